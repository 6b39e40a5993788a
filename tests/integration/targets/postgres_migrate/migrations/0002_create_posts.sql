CREATE TABLE it_posts (
    id serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES it_users (id),
    title text NOT NULL
);
INSERT INTO it_users (email) VALUES ('first@example.test');
