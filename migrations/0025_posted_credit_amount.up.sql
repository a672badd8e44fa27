-- A posted hold states what the payee got: after a partial post credit_amount is the posted credit, no longer the
-- amount the hold reserved (issue 10 A9). Earlier partial posts kept the reserved amount: restate them from the
-- payee's credit entry, which is the fact.
UPDATE transfers t SET credit_amount = e.amount
FROM entries e
WHERE t.status = 'posted' AND t.pending AND e.transfer_id = t.id AND e.side = 'credit'
  AND e.account_id = t.credit_account_id AND t.credit_amount IS DISTINCT FROM e.amount;
