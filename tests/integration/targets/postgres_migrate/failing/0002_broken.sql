CREATE TABLE it_broken (id integer);
INSERT INTO it_broken VALUES (1);
SELEKT * FROM it_broken;
