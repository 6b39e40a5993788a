-- Slow enough that two concurrent runs overlap.
SELECT pg_sleep(0.5);
CREATE INDEX it_posts_user_id ON it_posts (user_id);
