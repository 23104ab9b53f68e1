/**
 * A minimal decoder of OTLP/HTTP protobuf trace exports (ExportTraceServiceRequest), enough for tests to
 * assert span names and attributes exactly instead of searching the bytes. Field numbers from
 * opentelemetry-proto: trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto.
 */

type Field = { readonly no: number; readonly varint?: bigint; readonly bytes?: Buffer };

/** The top-level fields of one protobuf message (wire types 0, 1, 2, 5). */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    switch (key & 7) {
      case 0:
        out.push({ no, varint: varint() });
        break;
      case 1:
        out.push({ no, bytes: buf.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case 2: {
        const len = Number(varint());
        out.push({ no, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 5:
        out.push({ no, bytes: buf.subarray(pos, pos + 4) });
        pos += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`);
    }
  }
  return out;
}

const sub = (buf: Buffer, no: number): Buffer[] => fields(buf).filter((f) => f.no === no && f.bytes).map((f) => f.bytes as Buffer);

/** KeyValue list → plain object; AnyValue: string_value (1), bool_value (2), int_value (3), double_value (4). */
function attributes(kvs: readonly Buffer[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of kvs) {
    const key = sub(kv, 1)[0]?.toString('utf8') ?? '';
    const value = fields(sub(kv, 2)[0] ?? Buffer.alloc(0))[0];
    if (!value) continue;
    if (value.no === 1) out[key] = (value.bytes as Buffer).toString('utf8');
    else if (value.no === 2) out[key] = value.varint === 1n;
    else if (value.no === 3) out[key] = Number(BigInt.asIntN(64, value.varint as bigint));
    else if (value.no === 4) out[key] = (value.bytes as Buffer).readDoubleLE(0);
  }
  return out;
}

export interface ExportedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly attributes: Record<string, string | number | boolean>;
  /** Attributes of the span's resource (service.name, OTEL_RESOURCE_ATTRIBUTES…). */
  readonly resource: Record<string, string | number | boolean>;
}

/** Every span of an ExportTraceServiceRequest body. */
export function decodeTraceExport(body: Buffer): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const resourceSpans of sub(body, 1)) {
    const resource = attributes(sub(sub(resourceSpans, 1)[0] ?? Buffer.alloc(0), 1));
    for (const scopeSpans of sub(resourceSpans, 2)) {
      for (const span of sub(scopeSpans, 2)) {
        spans.push({ name: sub(span, 5)[0]?.toString('utf8') ?? '', traceId: (sub(span, 1)[0] ?? Buffer.alloc(0)).toString('hex'), attributes: attributes(sub(span, 9)), resource });
      }
    }
  }
  return spans;
}
