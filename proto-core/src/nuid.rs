//! NUIDs: 22-character base62 unique ids, from a seeded generator.
