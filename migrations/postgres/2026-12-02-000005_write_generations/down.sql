DROP TABLE write_generations;
