DROP INDEX contents_name_trgm;
DROP INDEX contents_about_trgm;
DROP INDEX reviews_title_trgm;
DROP INDEX reviews_review_trgm;
DROP INDEX artists_name_trgm;
