// VS Code extension entry (filled in by the client work).
export {};
