DROP TABLE deleted_rows;
