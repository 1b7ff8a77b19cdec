/**
 * Folder names as labels. The rule: paths are split on '/' (or '\'); the root is `folderRoot` when
 * given, otherwise the longest run of leading folders that *every* input file shares (the folder the
 * user dropped, and any single folder inside it). A file's labels are the folders between the root and
 * the file, outermost first:
 *   data/pos/a.txt, data/neg/b.txt          -> root `data`, labels [pos] / [neg]
 *   pos/a.txt, neg/b.txt (two folders dropped) -> root '', labels [pos] / [neg]
 *   data/train/pos/x/a.txt, data/train/neg/b.txt -> root `data/train`, labels [pos, x] / [neg]
 * Files directly in the root get no folder label; a single folder of files gets none either (with
 * one folder there is nothing to tell apart; pass `folderRoot` to force it).
 */

export function pathSegments(path: string): string[] {
  return path.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

/** Folder segments shared by every path (the file names themselves excluded). */
export function commonFolderRoot(paths: string[]): string[] {
  if (paths.length === 0) return [];
  const folders = paths.map((p) => pathSegments(p).slice(0, -1));
  const first = folders[0];
  let n = 0;
  while (n < first.length && folders.every((f) => f.length > n && f[n] === first[n])) n++;
  return first.slice(0, n);
}

export function folderLabels(path: string, root: string[]): string[] {
  const folders = pathSegments(path).slice(0, -1);
  const underRoot = root.every((r, i) => folders[i] === r);
  return underRoot ? folders.slice(root.length) : folders;
}
