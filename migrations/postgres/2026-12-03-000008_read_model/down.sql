ALTER TABLE contents DROP COLUMN read_model;
