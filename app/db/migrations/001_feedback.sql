-- Citizens' ratings of answers, as app/feedback.py keeps them in SQLite: one row a rating, the day, no time.
CREATE TABLE feedback (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  day date NOT NULL,
  rating text NOT NULL CHECK (rating IN ('up', 'down')),
  comment text,
  question text,
  found boolean,
  generated_by text,
  refused_by text,
  model text,
  index_version text,
  citations jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX feedback_day ON feedback (day);
