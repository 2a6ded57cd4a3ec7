// What the JSON codec needs to know about each message, computed once from the .proto files: for every field its
// proto name (what the gateway writes), its JSON name (also accepted on input), the property ts-proto generated for
// it, and its kind. Walking these plans is much cheaper than consulting protobufjs reflection per request.
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

export type FieldKind = 'int64' | 'uint64' | 'int32' | 'uint32' | 'bool' | 'string' | 'bytes' | 'enum' | 'message';

export interface EnumPlan {
  /** Go's name for the enum type (package.Outer_Inner), which grpc-gateway's error messages quote. */
  readonly goName: string;
  readonly nameByNumber: ReadonlyMap<number, string>;
  readonly numberByName: ReadonlyMap<string, number>;
}

export interface FieldPlan {
  readonly protoName: string;
  readonly jsonName: string;
  readonly tsName: string;
  readonly kind: FieldKind;
  readonly repeated: boolean;
  /** `"proto_name":`, ready to append to the output. */
  readonly keyPrefix: string;
  /** Set for kind 'message' (filled after every plan exists, since messages refer to each other). */
  message?: MessagePlan;
  enumPlan?: EnumPlan;
  /** The oneof this field belongs to: setting one member clears the others. */
  oneofMembers?: readonly string[];
}

export interface MessagePlan {
  readonly fullName: string;
  readonly fields: readonly FieldPlan[];
  /** Both the proto name and the JSON name of every field, as jsonpb accepts either. */
  readonly fieldByKey: ReadonlyMap<string, FieldPlan>;
}

export interface ProtoSchema {
  /** The plan for a message by its full name, e.g. 'etcdserverpb.RangeRequest'. Throws if unknown. */
  message(fullName: string): MessagePlan;
}

const kindByProtoType: Record<string, FieldKind> = {
  int64: 'int64',
  sint64: 'int64',
  sfixed64: 'int64',
  uint64: 'uint64',
  fixed64: 'uint64',
  int32: 'int32',
  sint32: 'int32',
  sfixed32: 'int32',
  uint32: 'uint32',
  fixed32: 'uint32',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
};

/** protoc's json_name: underscores dropped, the letter after each one upper-cased, everything else kept. */
export function protocJsonName(name: string): string {
  return name.replace(/_+([a-zA-Z0-9]?)/g, (_m, c: string) => c.toUpperCase());
}

/** The property name ts-proto generates (its snakeToCamel, applied only to names with underscores). */
export function tsProtoPropertyName(name: string): string {
  if (!name.includes('_')) return name;
  const hasLowerCase = /[a-z]/.test(name);
  return name
    .split('_')
    .map((word, i) => {
      const w = hasLowerCase ? word : word.toLowerCase();
      return i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1);
    })
    .join('');
}

/** The checkout's proto/ directory: found by walking up, so it works from both the sources and dist/. */
export function findProtoDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'proto');
    if (fs.existsSync(path.join(candidate, 'etcdserverpb', 'rpc.proto'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`no proto/etcdserverpb/rpc.proto above ${from}`);
  }
}

function listProtoFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listProtoFiles(full));
    else if (entry.name.endsWith('.proto')) files.push(full);
  }
  return files.sort();
}

/** Go's name for a generated type: its package, then its nesting path joined with underscores. */
function goTypeName(t: protobuf.ReflectionObject): string {
  const names = [t.name];
  let parent = t.parent;
  while (parent instanceof protobuf.Type) {
    names.unshift(parent.name);
    parent = parent.parent;
  }
  const pkg = parent ? parent.fullName.replace(/^\./, '') : '';
  return (pkg ? pkg + '.' : '') + names.join('_');
}

function enumPlanOf(e: protobuf.Enum): EnumPlan {
  const nameByNumber = new Map<number, string>();
  const numberByName = new Map<string, number>();
  for (const [name, num] of Object.entries(e.values)) {
    numberByName.set(name, num);
    // With aliases the first name wins, as in Go's generated name map.
    if (!nameByNumber.has(num)) nameByNumber.set(num, name);
  }
  return { goName: goTypeName(e), nameByNumber, numberByName };
}

/** Loads every .proto under `protoDir` (default: the checkout's proto/) and plans every message in them. */
export function loadProtoSchema(protoDir: string = findProtoDir()): ProtoSchema {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
  root.loadSync(listProtoFiles(protoDir), { keepCase: true });
  root.resolveAll();

  const plans = new Map<string, MessagePlan>();
  const pending: Array<{ plan: FieldPlan; type: protobuf.Type }> = [];
  const enums = new Map<protobuf.Enum, EnumPlan>();

  const planType = (type: protobuf.Type): void => {
    const fields: FieldPlan[] = [];
    const fieldByKey = new Map<string, FieldPlan>();
    for (const f of type.fieldsArray) {
      if (f.map) throw new Error(`${type.fullName}.${f.name}: map fields are not supported by the v3 gateway`);
      const resolved = f.resolvedType;
      let kind: FieldKind;
      if (resolved instanceof protobuf.Type) kind = 'message';
      else if (resolved instanceof protobuf.Enum) kind = 'enum';
      else {
        const k = kindByProtoType[f.type];
        if (k === undefined) throw new Error(`${type.fullName}.${f.name}: type ${f.type} is not supported`);
        kind = k;
      }
      const plan: FieldPlan = {
        protoName: f.name,
        jsonName: protocJsonName(f.name),
        tsName: tsProtoPropertyName(f.name),
        kind,
        repeated: f.repeated,
        keyPrefix: JSON.stringify(f.name) + ':',
      };
      if (resolved instanceof protobuf.Enum) {
        let ep = enums.get(resolved);
        if (!ep) enums.set(resolved, (ep = enumPlanOf(resolved)));
        plan.enumPlan = ep;
      }
      if (f.partOf) plan.oneofMembers = f.partOf.oneof.map(tsProtoPropertyName);
      if (resolved instanceof protobuf.Type) pending.push({ plan, type: resolved });
      fields.push(plan);
      fieldByKey.set(plan.protoName, plan);
      if (!fieldByKey.has(plan.jsonName)) fieldByKey.set(plan.jsonName, plan);
    }
    plans.set(type.fullName.replace(/^\./, ''), { fullName: type.fullName.replace(/^\./, ''), fields, fieldByKey });
  };

  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) planType(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(root);
  for (const { plan, type } of pending) plan.message = plans.get(type.fullName.replace(/^\./, ''));

  return {
    message(fullName: string): MessagePlan {
      const plan = plans.get(fullName);
      if (!plan) throw new Error(`unknown message ${fullName}`);
      return plan;
    },
  };
}
