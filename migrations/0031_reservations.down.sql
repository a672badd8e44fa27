DROP TABLE tickets;
DROP TABLE seat_holders;
DROP TABLE reservations;
