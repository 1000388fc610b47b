DROP TABLE purchase_refunds;
