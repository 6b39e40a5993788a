CREATE TABLE it_never (id integer);
