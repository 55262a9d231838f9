export * from "./messages.js";
export * from "./parse.js";
