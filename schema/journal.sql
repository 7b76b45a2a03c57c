-- The journal's schema, as numbered migrations. storage/ applies every migration above the
-- database's PRAGMA user_version, each in its own transaction, and sets user_version to it.
-- A shipped migration is never edited: add the next number.

-- migration 1
CREATE TABLE events (
  seq     INTEGER PRIMARY KEY,   -- 1, 2, 3, ... without gaps
  at      INTEGER NOT NULL,      -- milliseconds since the Unix epoch, UTC
  actor   INTEGER NOT NULL,      -- user id, 0 for the system
  type    INTEGER NOT NULL,      -- stable event type id (schema/events.md)
  stream  TEXT    NOT NULL,      -- the entity, e.g. "user:42"
  payload BLOB    NOT NULL,      -- cereal portable binary of the event
  hash    BLOB    NOT NULL       -- SHA-256(previous hash, seq, at, actor, type, stream, payload)
);
CREATE INDEX events_stream ON events(stream, seq);
CREATE INDEX events_at ON events(at);

-- Idempotency keys of applied commands: a repeat returns the first result and appends nothing.
CREATE TABLE command_keys (
  actor  INTEGER NOT NULL,
  key    TEXT    NOT NULL,
  seq    INTEGER NOT NULL,       -- the journal head after the command
  result TEXT    NOT NULL,       -- the first result, as sent
  PRIMARY KEY (actor, key)
) WITHOUT ROWID;

-- Optional snapshots: the state folded up to seq, with a SHA-256 of the state bytes.
CREATE TABLE snapshots (
  seq        INTEGER PRIMARY KEY,
  state_hash BLOB    NOT NULL,
  state      BLOB    NOT NULL
);

-- migration 2
-- The words of every message's text as people search them (inbox.query "q"): the folded words
-- of MessageReceived and MessageSent (core::searchable_words), under the event's seq as rowid.
-- Contentless: the text itself stays in the event's payload. Written in the same transaction
-- as its event, so the index is never behind the journal; on an older journal this migration
-- fills it from the events already there.
CREATE VIRTUAL TABLE message_words USING fts5(words, content='',
                                              tokenize='unicode61 remove_diacritics 0');
