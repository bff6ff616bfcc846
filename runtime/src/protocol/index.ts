export * from "./status";
export * from "./format";
