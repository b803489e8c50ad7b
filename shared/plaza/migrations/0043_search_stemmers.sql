-- A query term stemmed only by the languages the query asks for (all shipped ones when it names
-- none): `stemmers` comes from settings/languages/<code>.json ("postgres_config"). Stemming a
-- word in a language it is not in only widens what it matches.
CREATE OR REPLACE FUNCTION plaza_search_term(variants text[], stemmers regconfig[]) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    result tsquery := '';
    phrase tsquery;
    alternatives tsquery;
    variant text;
    word text;
    stemmer regconfig;
BEGIN
    FOREACH variant IN ARRAY variants LOOP
        phrase := '';
        FOREACH word IN ARRAY regexp_split_to_array(plaza_unaccent(lower(variant)), '[^[:alnum:]]+') LOOP
            CONTINUE WHEN word = '';
            -- The word as a prefix, as it is typed: quote_literal'd, so never tsquery syntax.
            alternatives := to_tsquery('simple', quote_literal(word) || ':*');
            FOREACH stemmer IN ARRAY stemmers LOOP
                alternatives := alternatives || plainto_tsquery(stemmer, word);
            END LOOP;
            phrase := phrase && alternatives;
        END LOOP;
        result := result || phrase;
    END LOOP;
    RETURN result;
END;
$$;
