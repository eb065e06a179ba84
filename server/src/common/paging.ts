import { BadRequestException } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PageQuery } from '@api-manager/contracts';
import { LIMITS } from './limits.js';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/**
 * Cursor paging shared by the list endpoints (the executions list's style): a page is `limit` rows in a fixed
 * order; `nextCursor` is the sort key of its last row (base64url JSON), and the next page starts after it
 * (keyset, so a page costs the same wherever it is). Page sizes: LIMITS.pageDefault, at most LIMITS.pageMax.
 */
export class PageQueryDto implements PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: LIMITS.pageMax, default: LIMITS.pageDefault })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  )
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(LIMITS.pageMax)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  cursor?: string;
}

export const pageLimit = (q: PageQuery): number => q.limit ?? LIMITS.pageDefault;

export function encodePageCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key a cursor holds: `arity` strings, else 400 naming the cursor. */
export function decodePageCursor(cursor: string, arity: number): string[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === arity &&
      v.every((x) => typeof x === 'string' && x.length <= 1000 && !x.includes('\u0000'))
    ) {
      return v as string[];
    }
  } catch {
    /* fall through */
  }
  throw new BadRequestException(['cursor is not valid: pass nextCursor from a previous page']);
}

/** Rows fetched with `LIMIT limit + 1` → the page and the cursor of the next one. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => string[],
  map: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodePageCursor(key(last)) : null,
  };
}

/** An OpenAPI response class `{ items: Item[]; nextCursor }` named `name` (one per list endpoint). */
export function PageDtoOf(
  item: new () => object,
  name: string,
): new () => { items: unknown[]; nextCursor: string | null } {
  class PageDto {
    @ApiProperty({ type: [item] })
    items!: unknown[];

    @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null at the end' })
    nextCursor!: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: name });
  return PageDto;
}
