CREATE TABLE it_users (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE
);
