/**
 * Zip archives for model downloads and uploads, via fflate (pure JS, works in the browser,
 * a worker and Node). Text is deflated; binaries above STORE_ABOVE_BYTES (model weights) are
 * stored: float weights shrink by only ~10% under deflate, and compressing hundreds of
 * megabytes would block for seconds. fflate writes no ZIP64 records, so one archive must stay
 * under 4 GiB.
 */
import { unzipSync, type ZipOptions, zipSync } from 'fflate';

/** Binary files larger than this are stored uncompressed (64 KiB). */
export const STORE_ABOVE_BYTES = 64 * 1024;

export interface ZipFilesOptions {
  /** Modification time written for every entry (default: now). */
  mtime?: Date;
}

export interface UnzipFilesOptions {
  /** Refuse archives whose files expand to more than this many bytes in total (default 4 GiB). */
  maxTotalBytes?: number;
}

const utf8 = new TextEncoder();

/** Zips files (path -> bytes or UTF-8 text). Paths use `/` and must be relative. */
export function zipFiles(files: Map<string, Uint8Array | string>, options: ZipFilesOptions = {}): Uint8Array {
  const entries: Record<string, [Uint8Array, ZipOptions]> = {};
  for (const [name, content] of files) {
    if (!name || name.startsWith('/') || name.endsWith('/') || name.split('/').includes('..')) {
      throw new Error(`zip: "${name}" is not a relative file path`);
    }
    const bytes = typeof content === 'string' ? utf8.encode(content) : content;
    const store = typeof content !== 'string' && bytes.length > STORE_ABOVE_BYTES;
    entries[name] = [bytes, { level: store ? 0 : 6, mtime: options.mtime }];
  }
  return zipSync(entries);
}

/** Unzips an archive into path -> bytes (directory entries are dropped). */
export function unzipFiles(bytes: Uint8Array, options: UnzipFilesOptions = {}): Map<string, Uint8Array> {
  const maxTotal = options.maxTotalBytes ?? 4 * 1024 ** 3;
  let total = 0;
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(bytes, {
      filter: (file) => {
        total += file.originalSize;
        if (total > maxTotal) {
          throw new Error(`the files expand to more than ${maxTotal} bytes (at "${file.name}")`);
        }
        return !file.name.endsWith('/');
      },
    });
  } catch (err) {
    throw new Error(`zip: could not read the archive: ${(err as Error).message}`);
  }
  return new Map(Object.entries(unzipped));
}
