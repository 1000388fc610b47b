DROP INDEX guests_name_trigrams;
