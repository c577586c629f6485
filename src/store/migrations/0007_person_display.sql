-- The name as lists and search results show it (the parts of the person's name in order, as
-- written, with the Latin letters after them when they differ), sealed under the person's key
-- like the profile and bound to persons/display/<id>. A page of fifty cases opens fifty of
-- these short values instead of fifty whole profiles. Written with every person.
ALTER TABLE persons ADD COLUMN display {blob};
