/** Emits Python models: an Enum per enum, a dataclass per object definition, standard library only. */
import { constantKey, isEnum, isRecordObject, type Model, resolve, type Schema } from './model';

const PYTHON_KEYWORDS = new Set(['from', 'import', 'class', 'global', 'lambda', 'pass', 'def', 'in', 'is', 'not']);

function snakeCase(name: string): string {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return PYTHON_KEYWORDS.has(snake) ? `${snake}_` : snake;
}

/** Python type annotation and the converters from/to JSON for an expression of this schema. */
interface Conversion {
  annotation: string;
  fromJson: (expression: string) => string;
  toJson: (expression: string) => string;
}

const identity = (expression: string) => expression;

function conversion(model: Model, schema: Schema): Conversion {
  const inner = baseConversion(model, schema);
  if (!schema.nullable) return inner;
  return {
    annotation: `Optional[${inner.annotation}]`,
    fromJson: (e) => (inner.fromJson(e) === e ? e : `None if ${e} is None else ${inner.fromJson(e)}`),
    toJson: (e) => (inner.toJson(e) === e ? e : `None if ${e} is None else ${inner.toJson(e)}`),
  };
}

function baseConversion(model: Model, schema: Schema): Conversion {
  if (schema.$ref) {
    const target = resolve(model, schema);
    const name = schema.$ref;
    if (isEnum(target) && model.definitions[name] === target) {
      return { annotation: name, fromJson: (e) => `${name}(${e})`, toJson: (e) => `${e}.value` };
    }
    if (isRecordObject(target)) {
      return { annotation: name, fromJson: (e) => `${name}.from_dict(${e})`, toJson: (e) => `${e}.to_dict()` };
    }
    return baseConversion(model, target);
  }
  switch (schema.type) {
    case 'string':
      return { annotation: 'str', fromJson: identity, toJson: identity };
    case 'integer':
      return { annotation: 'int', fromJson: identity, toJson: identity };
    case 'number':
      return { annotation: 'float', fromJson: identity, toJson: identity };
    case 'boolean':
      return { annotation: 'bool', fromJson: identity, toJson: identity };
    case 'array': {
      const item = conversion(model, schema.items ?? {});
      const map = (convert: (e: string) => string) => (e: string) =>
        convert('v') === 'v' ? `list(${e})` : `[${convert('v')} for v in ${e}]`;
      return { annotation: `List[${item.annotation}]`, fromJson: map(item.fromJson), toJson: map(item.toJson) };
    }
    case 'object': {
      const value =
        typeof schema.additionalProperties === 'object'
          ? conversion(model, schema.additionalProperties)
          : { annotation: 'Any', fromJson: identity, toJson: identity };
      const map = (convert: (e: string) => string) => (e: string) =>
        convert('v') === 'v' ? `dict(${e})` : `{k: ${convert('v')} for k, v in ${e}.items()}`;
      return { annotation: `Dict[str, ${value.annotation}]`, fromJson: map(value.fromJson), toJson: map(value.toJson) };
    }
    default:
      return { annotation: 'Any', fromJson: identity, toJson: identity };
  }
}

function docstring(text: string | undefined): string {
  return text ? `    """${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"""\n\n` : '';
}

function enumCode(name: string, schema: Schema): string {
  const members = (schema.enum ?? []).map((value) => `    ${constantKey(value)} = ${JSON.stringify(value)}`);
  const doc = docstring(schema.description);
  return `class ${name}(str, Enum):\n${doc}${members.join('\n')}\n`;
}

function dataclassCode(model: Model, name: string, schema: Schema): string {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([key, property]) => ({
    key,
    attribute: snakeCase(key),
    required: required.has(key),
    conversion: conversion(model, property),
  }));
  // Dataclass fields without a default come first.
  const ordered = [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
  const declarations = ordered.map((f) =>
    f.required
      ? `    ${f.attribute}: ${f.conversion.annotation}`
      : `    ${f.attribute}: Optional[${f.conversion.annotation}] = None`,
  );
  const fromDict = ordered.map((f) => {
    if (f.required) return `            ${f.attribute}=${f.conversion.fromJson(`data[${JSON.stringify(f.key)}]`)},`;
    const value = `data.get(${JSON.stringify(f.key)})`;
    const converted = f.conversion.fromJson(value);
    return converted === value
      ? `            ${f.attribute}=${value},`
      : `            ${f.attribute}=None if ${value} is None else ${converted},`;
  });
  const toDict = ordered.map((f) => {
    const assign = `out[${JSON.stringify(f.key)}] = ${f.conversion.toJson(`self.${f.attribute}`)}`;
    return f.required ? `        ${assign}` : `        if self.${f.attribute} is not None:\n            ${assign}`;
  });
  const doc = docstring(schema.description);
  return `@dataclass
class ${name}:
${doc}${declarations.join('\n') || '    pass'}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "${name}":
        return cls(
${fromDict.join('\n')}
        )

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
${toDict.join('\n')}
        return out
`;
}

const pyRate = ({ rps, burst }: { rps: number; burst: number }) => `RateLimit(rps=${rps}, burst=${burst})`;

export function emitPython(model: Model): string {
  const definitions = Object.entries(model.definitions);
  const enums = definitions.filter(([, schema]) => isEnum(schema)).map(([name, schema]) => enumCode(name, schema));
  const classes = definitions
    .filter(([, schema]) => isRecordObject(schema))
    .map(([name, schema]) => dataclassCode(model, name, schema));
  const plans = Object.entries(model.plans).map(
    ([plan, limits]) =>
      `    Plan.${plan}: PlanLimits(members=${limits.members}, applications=${limits.applications}, custom_roles=${limits.customRoles}, key_mode=KeyMode.${limits.keyMode}, byok=${limits.byok ? 'True' : 'False'}, rate_limit=${pyRate(limits.rateLimit)}),`,
  );
  const { rateLimits } = model;
  const perHour = Object.entries(rateLimits.perUserPerHour).map(
    ([id, limit]) => `        ${JSON.stringify(id)}: ${limit},`,
  );
  return `# Generated by packages/models/codegen from schemas/. Do not edit.
"""Tenantry models: enums and dataclasses with from_dict/to_dict (JSON field names in camelCase)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, List, Optional


${enums.join('\n\n')}

@dataclass(frozen=True)
class RateLimit:
    """rps requests per second on average, burst at once: a quota of burst per window of burst / rps seconds."""
    rps: int
    burst: int


@dataclass(frozen=True)
class PlanLimits:
    members: int
    applications: int
    custom_roles: int
    key_mode: KeyMode
    byok: bool
    rate_limit: RateLimit


PLAN_LIMITS: Dict[Plan, PlanLimits] = {
${plans.join('\n')}
}


@dataclass(frozen=True)
class RateLimits:
    user: RateLimit
    staff: RateLimit
    anonymous: RateLimit
    per_user_per_hour: Dict[str, int]


RATE_LIMITS = RateLimits(
    user=${pyRate(rateLimits.user)},
    staff=${pyRate(rateLimits.staff)},
    anonymous=${pyRate(rateLimits.anonymous)},
    per_user_per_hour={
${perHour.join('\n')}
    },
)


${classes.join('\n\n')}`;
}
