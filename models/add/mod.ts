/**
 * `models add`: one command from a model folder or hub repository to a servable model.
 *
 * @module
 */

export {
  addModel,
  type AddModelEvent,
  type AddModelOptions,
  type AddModelResult,
} from "./add_model.ts";
export { ModelLayoutError } from "./_layout.ts";
