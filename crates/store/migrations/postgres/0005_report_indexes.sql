-- Reports (issue C): members resident in a locality (coverage: "localities with no member").
CREATE INDEX person_residence ON person (residence_locality_id);
