-- Scoop: the walks a dog walker books.
CREATE TABLE walks (
    id bigserial PRIMARY KEY,
    dog_name text NOT NULL,
    starts_at timestamptz NOT NULL
);
