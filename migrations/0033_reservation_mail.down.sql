DELETE FROM subscriptions s WHERE s.id = '00000000-0000-7000-8000-00000000a002'
  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.subscription_id = s.id);
