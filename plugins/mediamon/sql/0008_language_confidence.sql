-- The article's language is identified from its text (extract/language.py), with the page's
-- declarations as evidence only; its confidence is kept beside it ("und" for texts too
-- short, mixed or in a language the deployment does not expect).
ALTER TABLE articles ADD COLUMN language_confidence real;
CREATE INDEX articles_language ON articles (language);
