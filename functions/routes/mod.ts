/**
 * The route modules of the edge app, one per resource.
 *
 * @module
 */
export * from "./_deps.ts";
export * from "./health.ts";
export * from "./models.ts";
export * from "./encode.ts";
export * from "./images.ts";
export * from "./sdapi.ts";
export * from "./jobs.ts";
export * from "./tokens.ts";
export * from "./client.ts";
