-- Who receives an order, when not the buyer herself (issue 15). Keep in step with
-- ../sqlite/20261206000400_order_recipient.sql.
ALTER TABLE orders ADD COLUMN recipient_name TEXT;
