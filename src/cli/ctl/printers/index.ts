// Picks the printer for -w / --write-out.
import type { OutputFormat } from '../global-options';
import { fieldsPrinter } from './fields';
import { jsonPrinter } from './json';
import { protobufPrinter } from './protobuf';
import { simplePrinter } from './simple';
import { tablePrinter } from './table';
import type { Output, Printer } from './types';

export type { EndpointHashKV, EndpointHealth, EndpointStatus, Output, Printer, SnapshotStatus } from './types';

export function makePrinter(format: OutputFormat, out: Output, opts: { hex: boolean; valueOnly?: boolean }): Printer {
  switch (format) {
    case 'simple':
      return simplePrinter(out, { hex: opts.hex, valueOnly: opts.valueOnly ?? false });
    case 'json':
      return jsonPrinter(out);
    case 'fields':
      return fieldsPrinter(out);
    case 'table':
      return tablePrinter(out);
    case 'protobuf':
      return protobufPrinter(out);
  }
}
