DROP TABLE outbox;
DROP TABLE pos_deliveries;
