-- Refunds recorded against their purchase (sqlite). Twin: ../../postgres/<same name>/up.sql.

-- Every refund of a receipt, whether or not the sale earned anything, so what is left to
-- refund comes from the purchase itself: a second full refund gives back 0, a line refunded
-- once cannot be refunded again. `lines` is the POS's JSON ("all" or the refunded lines).
CREATE TABLE purchase_refunds (
    id INTEGER PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    purchase_id BIGINT NOT NULL REFERENCES purchases (id),
    source TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    lines TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX purchase_refunds_refund ON purchase_refunds (purchase_id, refund_id);
