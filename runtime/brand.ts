/**
 * `instanceof` that holds across copies of the runtime in one process: two installs of
 * `@lexgen/runtime` (a library with its own copy), or one bundled twice. A Core from one copy
 * sends through its own layers and makes its own errors, while the other copy's code (generated
 * functions, a retry layer, the caller) asks `instanceof` of its own classes: by identity alone
 * the answer would silently be no (and a 429 would not be retried). So each class names itself
 * in a static readonly field, `'@lexgen/runtime:class'`, the same in every copy, and a value is
 * an instance when a class on its prototype chain gives the name asked for. (A string key, not a
 * symbol: a computed key would keep every class in a bundle, used or not.) Classes without a
 * name of their own (a caller's subclass) keep plain `instanceof`.
 */
export const CLASS_KEY = '@lexgen/runtime:class'

type Named = { readonly [CLASS_KEY]?: unknown }

/** For `static [Symbol.hasInstance]` of a root class: plain `instanceof`, else the same name on the value's chain. */
export function isInstance(cls: object, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true
  if (typeof value !== 'object' || value === null || !Object.hasOwn(cls, CLASS_KEY)) return false
  const name = (cls as Named)[CLASS_KEY]
  for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    if (classNameOf(proto) === name) return true
  }
  return false
}

/** The name a prototype's class gives itself, if it is one of the runtime's classes (any copy). */
export function classNameOf(proto: object): unknown {
  const ctor: unknown = Object.hasOwn(proto, 'constructor') ? (proto as { constructor: unknown }).constructor : undefined
  return typeof ctor === 'function' && Object.hasOwn(ctor, CLASS_KEY) ? (ctor as Named)[CLASS_KEY] : undefined
}
