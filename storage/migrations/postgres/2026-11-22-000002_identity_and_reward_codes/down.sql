DROP TABLE reward_codes;
DROP TABLE security_events;
DROP TABLE action_claims;
DROP TABLE presences;
DROP TABLE guest_secrets;
