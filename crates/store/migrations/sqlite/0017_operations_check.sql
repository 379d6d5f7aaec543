-- Event deconfliction's prefilter on integers, in classes of window length (issue 6).
-- The check used to read every operation that started in the 14 days before the new one ended
-- (the longest window), comparing RFC 3339 text. Now each operation also keeps its window as
-- whole seconds since 1970 (`starts_s`, `ends_s`, filled from the text, which stays the record)
-- and the class of its length (`window_class`: 0 up to 6 hours, 1 up to a day, 2 up to 4 days,
-- 3 up to 14 days; `domain::operations::WINDOW_CLASSES`). The check reads, per class, only the
-- operations that started within that class's longest window before the new one, on the
-- `operations_check` index, whose columns are all integers after the task force and class.
-- The seconds are only a prefilter: the exact test compares the times themselves, and the
-- query leaves a margin of seconds, so rounding here can only let a row through, never drop one.

ALTER TABLE operations ADD COLUMN starts_s BIGINT NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN ends_s BIGINT NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN window_class BIGINT NOT NULL DEFAULT 3;

UPDATE operations SET
    starts_s = CAST(strftime('%s', starts_at) AS INTEGER),
    ends_s = CAST(strftime('%s', ends_at) AS INTEGER);
UPDATE operations SET window_class = CASE
    WHEN ends_s - starts_s <= 6 * 3600 THEN 0
    WHEN ends_s - starts_s <= 24 * 3600 THEN 1
    WHEN ends_s - starts_s <= 96 * 3600 THEN 2
    ELSE 3 END;

DROP INDEX operations_window;
CREATE INDEX operations_check ON operations (task_force_id, window_class, starts_s, lat_e6, lon_e6, ends_s);
