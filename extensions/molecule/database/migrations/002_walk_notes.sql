ALTER TABLE walks ADD COLUMN notes text NOT NULL DEFAULT '';
INSERT INTO walks (dog_name, starts_at, notes) VALUES ('Biscuit', '2026-01-05 10:00+00', 'first walk');
