import { type ErrorCode, OVERRIDABLE } from '@bunko/protocols';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * Collects the reasons a circulation action is refused. If every reason is overridable and the
 * staff asked to override (and may), the action goes ahead and the overridden codes are returned
 * for the operation log; otherwise the first reason is thrown.
 */
export class Refusals {
  private readonly codes: ErrorCode[] = [];

  add(code: ErrorCode, when: boolean): this {
    if (when) this.codes.push(code);
    return this;
  }

  settle(ctx: Ctx, override: boolean): ErrorCode[] {
    if (this.codes.length === 0) return [];
    const first = this.codes[0]!;
    // asking to override without the permission is refused as such, not as the underlying reason
    if (override && !ctx.system && ctx.staff?.permissions.has('circulation.override') !== true) {
      throw new AppError('forbidden', 'circulation.override');
    }
    if (!override || this.codes.some((c) => !OVERRIDABLE.has(c))) {
      const blocking = this.codes.find((c) => !OVERRIDABLE.has(c)) ?? first;
      throw new AppError(
        blocking,
        this.codes.length > 1 ? `also: ${this.codes.filter((c) => c !== blocking).join(', ')}` : undefined,
      );
    }
    return [...this.codes];
  }

  /** Every reason collected, nothing thrown: the caller records them (offline replay). */
  list(): ErrorCode[] {
    return [...this.codes];
  }
}
