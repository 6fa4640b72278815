/**
 * A restricted Python pickle interpreter for PyTorch state dicts. It implements only the opcodes
 * that `torch.save(state_dict)` emits and never runs code: each GLOBAL is checked against an allow
 * list before anything else happens, and REDUCE only builds the few known objects below.
 * Opcode values follow CPython's Lib/pickletools.py.
 */

/** Storage dtypes by the PyTorch storage class name. */
export const TORCH_STORAGE_DTYPES = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
} as const;

export type TorchStorageDtype = (typeof TORCH_STORAGE_DTYPES)[keyof typeof TORCH_STORAGE_DTYPES];

const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...Object.keys(TORCH_STORAGE_DTYPES).map((name) => `torch.${name}`),
]);

export interface PickleGlobal {
  kind: 'global';
  name: string;
}

export interface PickleStorage {
  kind: 'storage';
  dtype: TorchStorageDtype;
  key: string;
  elementCount: number;
}

export interface PickleTensor {
  kind: 'tensor';
  storage: PickleStorage;
  storageOffset: number;
  shape: number[];
  strides: number[];
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleValue[]
  | PickleTuple
  | Map<PickleValue, PickleValue>
  | PickleGlobal
  | PickleStorage
  | PickleTensor;

/** A Python tuple, kept distinct from lists so that REDUCE argument tuples can be checked. */
export class PickleTuple {
  constructor(readonly items: PickleValue[]) {}
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/**
 * Interprets `bytes` and returns the unpickled top-level value.
 * Throws on any opcode or global outside the allow list, naming it and saying nothing was executed.
 */
export function restrictedUnpickle(bytes: Uint8Array, fileName: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8');
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let position = 0;

  const fail = (message: string): never => {
    throw new Error(`${fileName}: ${message} The pickle was rejected and nothing in it was executed.`);
  };

  const need = (count: number): number => {
    if (position + count > bytes.byteLength) fail(`pickle data is truncated at byte ${position}.`);
    const start = position;
    position += count;
    return start;
  };

  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) fail(`pickle data is truncated at byte ${position} (missing newline).`);
    const line = decoder.decode(bytes.subarray(position, end));
    position = end + 1;
    return line;
  };

  const pop = (): PickleValue => {
    const value = stack.pop();
    if (value === undefined || value === MARK) fail(`pickle stack underflow at byte ${position}.`);
    return value as PickleValue;
  };

  const popToMark = (): PickleValue[] => {
    const markIndex = stack.lastIndexOf(MARK);
    if (markIndex < 0) fail(`pickle MARK not found at byte ${position}.`);
    const items = stack.splice(markIndex) as PickleValue[];
    items.shift();
    return items;
  };

  const top = (): PickleValue => {
    const value = stack[stack.length - 1];
    if (value === undefined || value === MARK) fail(`pickle stack underflow at byte ${position}.`);
    return value as PickleValue;
  };

  const pushGlobal = (module: string, name: string): void => {
    const fullName = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(fullName)) {
      fail(`pickle global "${fullName}" is not allowed: only PyTorch tensor state dicts can be loaded.`);
    }
    stack.push({ kind: 'global', name: fullName });
  };

  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof Map)) fail(`pickle SETITEM(S) target is not a dict at byte ${position}.`);
    for (let i = 0; i + 1 < items.length; i += 2) (target as Map<PickleValue, PickleValue>).set(items[i], items[i + 1]);
  };

  const appendItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(target)) fail(`pickle APPEND(S) target is not a list at byte ${position}.`);
    (target as PickleValue[]).push(...items);
  };

  for (;;) {
    const opcodeAt = need(1);
    const opcode = bytes[opcodeAt];

    switch (opcode) {
      case 0x80: // PROTO
        need(1);
        break;
      case 0x95: // FRAME: only a size hint for buffered readers
        need(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PickleTuple([]));
        break;
      case 0x64: { // DICT
        const items = popToMark();
        const dict = new Map<PickleValue, PickleValue>();
        setItems(dict, items);
        stack.push(dict);
        break;
      }
      case 0x6c: // LIST
        stack.push(popToMark());
        break;
      case 0x74: // TUPLE
        stack.push(new PickleTuple(popToMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PickleTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const second = pop();
        stack.push(new PickleTuple([pop(), second]));
        break;
      }
      case 0x87: { // TUPLE3
        const third = pop();
        const second = pop();
        stack.push(new PickleTuple([pop(), second, third]));
        break;
      }
      case 0x58: { // BINUNICODE
        const length = view.getUint32(need(4), true);
        const start = need(length);
        stack.push(decoder.decode(bytes.subarray(start, start + length)));
        break;
      }
      case 0x8c: { // SHORT_BINUNICODE
        const length = bytes[need(1)];
        const start = need(length);
        stack.push(decoder.decode(bytes.subarray(start, start + length)));
        break;
      }
      case 0x8d: { // BINUNICODE8
        const length = view.getBigUint64(need(8), true);
        if (length > BigInt(bytes.byteLength - position)) fail(`pickle string length ${length} runs past the end of the data.`);
        const start = need(Number(length));
        stack.push(decoder.decode(bytes.subarray(start, start + Number(length))));
        break;
      }
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x8a: { // LONG1: little-endian two's complement of the given byte length
        const length = bytes[need(1)];
        const start = need(length);
        stack.push(decodeLong(bytes.subarray(start, start + length)));
        break;
      }
      case 0x47: // BINFLOAT is big-endian
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popToMark();
        setItems(top(), items);
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        appendItems(top(), [value]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popToMark();
        appendItems(top(), items);
        break;
      }
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popToMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x71: // BINPUT
        memo.set(bytes[need(1)], top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(need(4), true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(memo, bytes[need(1)], fail));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(memo, view.getUint32(need(4), true), fail));
        break;
      case 0x63: { // GLOBAL: "module\nname\n"
        const module = readLine();
        const name = readLine();
        pushGlobal(module, name);
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('pickle STACK_GLOBAL operands are not strings.');
        pushGlobal(module as string, name as string);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(loadPersistentStorage(pop(), fail));
        break;
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(reduce(callable, args, fail));
        break;
      }
      case 0x62: { // BUILD
        // State attached to an OrderedDict (its `_metadata` attribute) carries no tensor data.
        pop();
        top();
        break;
      }
      default:
        fail(`pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${opcodeAt} is not supported by the restricted reader.`);
    }
  }
}

function memoGet(memo: Map<number, PickleValue>, index: number, fail: (message: string) => never): PickleValue {
  if (!memo.has(index)) fail(`pickle memo entry ${index} is missing.`);
  return memo.get(index) as PickleValue;
}

function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Turns the persistent id `('storage', StorageClass, key, location, elementCount)` into a storage reference. */
function loadPersistentStorage(pid: PickleValue, fail: (message: string) => never): PickleStorage {
  const items = pid instanceof PickleTuple ? pid.items : null;
  if (!items || items.length < 5 || items[0] !== 'storage') {
    fail('pickle persistent id is not a PyTorch storage reference.');
  }

  const [, storageClass, key, , elementCount] = items as PickleValue[];
  const className = (storageClass as PickleGlobal | null)?.kind === 'global' ? (storageClass as PickleGlobal).name : '';
  const dtype = TORCH_STORAGE_DTYPES[className.replace(/^torch\./, '') as keyof typeof TORCH_STORAGE_DTYPES];
  if (!dtype) fail(`pickle storage type "${className}" is not supported.`);
  if (typeof key !== 'string') fail('pickle storage key is not a string.');
  if (typeof elementCount !== 'number' || !Number.isSafeInteger(elementCount) || elementCount < 0) {
    fail(`pickle storage "${String(key)}" has an invalid element count.`);
  }

  return { kind: 'storage', dtype, key: key as string, elementCount: elementCount as number };
}

function reduce(callable: PickleValue, args: PickleValue, fail: (message: string) => never): PickleValue {
  const name = (callable as PickleGlobal | null)?.kind === 'global' ? (callable as PickleGlobal).name : '';
  const items = args instanceof PickleTuple ? args.items : fail('pickle REDUCE arguments are not a tuple.');

  if (name === 'collections.OrderedDict') return new Map();

  if (name === 'torch._utils._rebuild_parameter') {
    const tensor = items[0] as PickleTensor | null;
    if (tensor?.kind !== 'tensor') fail('pickle _rebuild_parameter argument is not a tensor.');
    return tensor;
  }

  if (name === 'torch._utils._rebuild_tensor_v2') {
    const [storage, storageOffset, shape, strides] = items;
    if ((storage as PickleStorage | null)?.kind !== 'storage') fail('pickle _rebuild_tensor_v2 storage argument is not a storage.');
    if (typeof storageOffset !== 'number') fail('pickle _rebuild_tensor_v2 storage offset is not an integer.');
    return {
      kind: 'tensor',
      storage: storage as PickleStorage,
      storageOffset: storageOffset as number,
      shape: toIntegerList(shape, 'size', fail),
      strides: toIntegerList(strides, 'stride', fail),
    };
  }

  return fail(`pickle REDUCE on "${name || 'a non-callable value'}" is not allowed.`);
}

function toIntegerList(value: PickleValue, what: string, fail: (message: string) => never): number[] {
  const items = value instanceof PickleTuple ? value.items : null;
  if (!items || !items.every((item) => typeof item === 'number' && Number.isSafeInteger(item) && item >= 0)) {
    fail(`pickle tensor ${what} is not a tuple of non-negative integers.`);
  }
  return items as number[];
}
