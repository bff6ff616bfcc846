// Language server entry (filled in by the server work).
export {};
