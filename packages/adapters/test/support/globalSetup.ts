// Filled in by the foundation work: starts one PostgreSQL for the whole run when DATABASE_URL is unset.
export default function setup() {}
