package org.timetuner4j.io.convert;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.io.layout.DdimConfigInference;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.io.torch.Py;
import org.timetuner4j.io.torch.TorchCheckpoint;
import org.timetuner4j.io.torch.TorchTensor;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns a checkpoint into an engine model file (spec §4.10): reads it (torch zip, legacy torch,
 * safetensors, or a diffusers folder), finds the state dict, strips DataParallel's
 * {@code module.} prefix, detects the key layout (ddim or diffusers {@code UNet2DModel}) and maps
 * the names onto the engine's (ddim) names, determines the UNet config (given, diffusers'
 * {@code config.json}, the file's own metadata, or inferred from names and shapes), checks every
 * key and shape against it, and writes a safetensors file with the config in its metadata.
 *
 * <p>Nothing is written unless every check passes. Problems are one-line
 * {@link IllegalArgumentException}s (a {@link CheckpointMismatchException} for key and shape
 * mismatches, listing each) or {@link IOException}s for unreadable files.
 */
public final class CheckpointConverter {
    private CheckpointConverter() {}

    /** Key-name layouts. */
    public enum Layout {
        AUTO, DDIM, DIFFUSERS;

        /** Parses {@code auto|ddim|diffusers} (any case). */
        public static Layout parse(String s) {
            for (Layout l : values()) if (l.name().equalsIgnoreCase(s)) return l;
            throw new IllegalArgumentException("--layout must be auto, ddim or diffusers, not '" + s + "'");
        }

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What to convert.
     *
     * @param in           a checkpoint file or a diffusers folder
     * @param out          the model file to write
     * @param layout       key layout, or AUTO to detect it
     * @param config       a config: a JSON file (ddim names, or a diffusers config.json) or inline
     *                     JSON; null to read diffusers' config.json or infer the config
     * @param ema          take the EMA weights of a checkpoint that holds both
     * @param dtype        output dtype: f32, f16 or bf16
     * @param resolution   image size (needed to infer a config), ≤ 0 when not given
     * @param allowMissing convert despite missing keys (zero-filled; GroupNorm scales one) and
     *                     unexpected keys (dropped), reporting them as warnings
     */
    public record Options(Path in, Path out, Layout layout, String config, boolean ema, String dtype, int resolution,
                          boolean allowMissing, Path scheduler) {
        /** Without an explicit scheduler config: one next to the weights is used if there is one. */
        public Options(Path in, Path out, Layout layout, String config, boolean ema, String dtype, int resolution, boolean allowMissing) {
            this(in, out, layout, config, ema, dtype, resolution, allowMissing, null);
        }
    }

    /** What was converted, for the summary. */
    public record Report(Path in, Path weightsFile, Path out, String format, String weights, Boolean ema, Layout layout,
                         List<String> layoutNotes, UNetConfig config, String configSource, DiffusersScheduler.Schedule schedule,
                         String scheduleSource, int tensors, long parameters, String sourceDtypes, String outputDtype,
                         List<String> warnings) {

        /** The one-screen summary printed by {@code timetuner convert}. */
        public String summary() {
            StringBuilder b = new StringBuilder();
            line(b, "converted", in + (weightsFile.equals(in) ? "" : " (" + weightsFile.getFileName() + ")") + " -> " + out);
            line(b, "format", format);
            line(b, "weights", (ema == null ? "as stored (EMA or not, the file does not say): " : ema ? "EMA: " : "raw, not EMA: ") + weights);
            line(b, "layout", layout.word() + (layoutNotes.isEmpty() ? "" : " (" + String.join("; ", layoutNotes) + ")"));
            line(b, "config", configSource);
            line(b, "", "ch " + config.ch() + ", ch_mult " + Arrays.toString(config.chMult()) + ", num_res_blocks "
                    + config.numResBlocks() + ", attn_resolutions " + Arrays.toString(config.attnResolutions()));
            line(b, "", "resolution " + config.resolution() + ", in_channels " + config.inChannels() + ", out_ch "
                    + config.outCh() + ", dropout " + config.dropout() + ", resamp_with_conv " + config.resampWithConv());
            line(b, "schedule", schedule.describe() + " (" + scheduleSource + ")");
            line(b, "params", String.format(Locale.ROOT, "%,d in %d tensors", parameters, tensors));
            line(b, "dtype", sourceDtypes + " -> " + outputDtype);
            return b.toString();
        }

        private static void line(StringBuilder b, String label, String text) {
            b.append(String.format(Locale.ROOT, "%-10s %s%n", label, text));
        }
    }

    /** One tensor as found in the input. */
    private record Source(String name, String dtype, int[] shape, Reader reader) {}

    @FunctionalInterface
    private interface Reader {
        float[] read() throws IOException;
    }

    /** The tensors of the input, and what we learned reading it. */
    private record Loaded(Map<String, Source> tensors, String format, String weights, Boolean ema, boolean emaAvailable,
                          String metadataConfig, List<String> notes, Map<String, String> metadata) {}

    /** Converts and writes {@code options.out()}. */
    public static Report convert(Options o) throws IOException {
        String dtype = outputDtype(o.dtype());
        Path in = o.in();
        if (!Files.exists(in)) throw new IllegalArgumentException("checkpoint not found: " + in);
        Path out = o.out();
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory; give a file name");
        Path outDir = out.toAbsolutePath().getParent();
        if (outDir != null && !Files.isDirectory(outDir)) throw new IllegalArgumentException("output folder does not exist: " + outDir);

        // Where the weights and a diffusers config.json are.
        Path weightsFile = in;
        Path folderConfig = null;
        if (Files.isDirectory(in)) {
            Path dir = in;
            if (findWeights(dir) == null && Files.isDirectory(dir.resolve("unet"))) dir = dir.resolve("unet");
            weightsFile = findWeights(dir);
            if (weightsFile == null) throw noWeights(dir);
            if (Files.isRegularFile(dir.resolve("config.json"))) folderConfig = dir.resolve("config.json");
        } else {
            Path sibling = in.toAbsolutePath().getParent() == null ? null : in.toAbsolutePath().getParent().resolve("config.json");
            if (sibling != null && Files.isRegularFile(sibling)) folderConfig = sibling;
        }
        Path schedulerFile = o.scheduler() != null ? o.scheduler() : findScheduler(weightsFile);

        List<String> warnings = new ArrayList<>();
        TorchCheckpoint torch = null;
        try {
            Loaded loaded;
            String kind = sniff(weightsFile);
            if (kind.equals("safetensors")) {
                loaded = loadSafetensors(weightsFile, o.ema());
            } else {
                torch = TorchCheckpoint.open(weightsFile);
                loaded = loadTorch(torch, o.ema());
            }
            warnings.addAll(loaded.notes());
            if (loaded.emaAvailable()) warnings.add("this checkpoint also holds EMA weights (usually the ones to sample with): add --ema to take them");

            // Names: strip DataParallel's prefix, detect the layout, map onto ddim names.
            List<String> layoutNotes = new ArrayList<>();
            Map<String, Source> tensors = stripPrefixes(loaded.tensors(), layoutNotes);
            Layout detected = detect(tensors.keySet());
            Layout layout = o.layout() == null ? Layout.AUTO : o.layout();
            if (layout == Layout.AUTO) {
                if (detected == null) {
                    throw new IllegalArgumentException("cannot tell the key layout: no 'temb.dense.0.weight' (ddim) or"
                            + " 'time_embedding.linear_1.weight' (diffusers) key (first keys: " + firstKeys(tensors.keySet()) + ")");
                }
                layout = detected;
                layoutNotes.add(0, "detected");
            } else if (detected != null && detected != layout) {
                throw new IllegalArgumentException("--layout " + layout.word() + " given, but the keys are " + detected.word() + "'s (e.g. '"
                        + (detected == Layout.DDIM ? "temb.dense.0.weight" : "time_embedding.linear_1.weight") + "')");
            }
            int levels = layout == Layout.DIFFUSERS ? DiffusersKeys.levels(tensors.keySet()) : 0;
            Map<String, Source> mapped = new LinkedHashMap<>();
            Map<String, String> sourceName = new LinkedHashMap<>();
            List<String> unmapped = new ArrayList<>();
            boolean deprecatedNames = false;
            for (Source s : tensors.values()) {
                String key = layout == Layout.DIFFUSERS ? DiffusersKeys.toDdim(s.name(), levels) : s.name();
                if (key == null) {
                    unmapped.add(s.name());
                    continue;
                }
                if (layout == Layout.DIFFUSERS && DiffusersKeys.isDeprecatedAttentionName(s.name())) deprecatedNames = true;
                if (mapped.containsKey(key)) {
                    throw new IllegalArgumentException("the checkpoint has both '" + Py.clean(sourceName.get(key)) + "' and '"
                            + Py.clean(s.name()) + "', which are the same weight (" + key + ")");
                }
                int[] shape = s.shape();
                if (DiffusersKeys.isAttentionProjection(key) && shape.length == 2) shape = new int[] {shape[0], shape[1], 1, 1};
                mapped.put(key, new Source(s.name(), s.dtype(), shape, s.reader()));
                sourceName.put(key, s.name());
            }
            if (layout == Layout.DIFFUSERS) {
                layoutNotes.add("attention names " + (deprecatedNames ? "query/key/value/proj_attn (deprecated spelling)" : "to_q/to_k/to_v/to_out.0"));
            }

            // The config.
            Map<String, int[]> shapes = new LinkedHashMap<>();
            mapped.forEach((k, v) -> shapes.put(k, v.shape()));
            String[] configSource = new String[1];
            UNetConfig cfg = config(o, layout, folderConfig, loaded.metadataConfig(), shapes, configSource, warnings);
            DiffusersScheduler.Schedule schedule;
            String scheduleSource;
            if (schedulerFile != null) {
                schedule = DiffusersScheduler.read(schedulerFile);
                scheduleSource = "from " + schedulerFile;
            } else if (SCHEDULE_KEYS.stream().anyMatch(loaded.metadata()::containsKey)) {
                // an engine model file converted again keeps what it says
                ModelInfo mi = ModelInfo.fromMetadata(cfg, false, loaded.metadata());
                schedule = new DiffusersScheduler.Schedule(mi.modelType(), mi.betaSchedule(), mi.betaStart(), mi.betaEnd(), mi.numDiffusionTimesteps());
                scheduleSource = "from the file's metadata";
            } else {
                schedule = DiffusersScheduler.DDPM;
                scheduleSource = "DDPM's default: no scheduler_config.json found";
            }
            if (o.resolution() > 0 && cfg.resolution() != o.resolution()) {
                throw new IllegalArgumentException("--resolution " + o.resolution() + " contradicts the config's resolution "
                        + cfg.resolution());
            }

            // Every key and shape.
            Map<String, int[]> expected = DdimLayout.expectedShapes(cfg);
            List<String> details = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            List<String> unexpected = new ArrayList<>();
            List<String> misShaped = new ArrayList<>();
            for (Map.Entry<String, int[]> e : expected.entrySet()) {
                Source s = mapped.get(e.getKey());
                String shown = layout == Layout.DIFFUSERS
                        ? DiffusersKeys.toDiffusers(e.getKey(), cfg.numLevels(), deprecatedNames) + " (engine: " + e.getKey() + ")"
                        : e.getKey();
                if (s == null) {
                    missing.add(e.getKey());
                    int[] want = e.getValue();
                    if (layout == Layout.DIFFUSERS && DiffusersKeys.isAttentionProjection(e.getKey())) want = new int[] {want[0], want[1]};
                    details.add("missing     " + shown + " " + Arrays.toString(want));
                } else if (!Arrays.equals(s.shape(), e.getValue())) {
                    misShaped.add(e.getKey());
                    details.add("wrong shape " + Py.clean(s.name()) + ": " + Arrays.toString(s.shape()) + " in the checkpoint, "
                            + Arrays.toString(e.getValue()) + " expected");
                }
            }
            for (String u : unmapped) {
                unexpected.add(u);
                details.add("unexpected  " + Py.clean(u) + " " + Arrays.toString(tensors.get(u).shape()));
            }
            for (Map.Entry<String, Source> e : mapped.entrySet()) {
                if (!expected.containsKey(e.getKey())) {
                    unexpected.add(e.getValue().name());
                    details.add("unexpected  " + Py.clean(e.getValue().name()) + " " + Arrays.toString(e.getValue().shape()));
                }
            }
            if (!misShaped.isEmpty() || (!o.allowMissing() && !(missing.isEmpty() && unexpected.isEmpty()))) {
                throw mismatch(cfg, missing, unexpected, misShaped, details, layout);
            }
            if (!missing.isEmpty()) {
                warnings.add(missing.size() + " missing key(s) filled with zeros (GroupNorm scales with ones): " + names(missing));
            }
            if (!unexpected.isEmpty()) warnings.add(unexpected.size() + " unexpected key(s) dropped: " + names(unexpected));

            // Read, check and write.
            Map<String, TensorData> outTensors = new LinkedHashMap<>();
            TreeMap<String, Integer> dtypes = new TreeMap<>();
            long nonFinite = 0;
            String firstNonFinite = null;
            for (Map.Entry<String, int[]> e : expected.entrySet()) {
                String key = e.getKey();
                Source s = mapped.get(key);
                float[] v;
                if (s == null) {
                    v = new float[numel(e.getValue())];
                    if (key.endsWith("norm1.weight") || key.endsWith("norm2.weight") || key.endsWith(".norm.weight")
                            || key.equals("norm_out.weight")) {
                        Arrays.fill(v, 1f);
                    }
                } else {
                    if (!isFloat(s.dtype())) {
                        throw new IllegalArgumentException("tensor '" + Py.clean(s.name()) + "' has dtype " + s.dtype()
                                + "; UNet weights must be floating point");
                    }
                    dtypes.merge(s.dtype(), 1, Integer::sum);
                    v = s.reader().read();
                }
                for (float x : v) {
                    if (!Float.isFinite(x)) {
                        nonFinite++;
                        if (firstNonFinite == null) firstNonFinite = key;
                    } else if (dtype.equals("F16") && Math.abs(x) > 65504f) {
                        throw new IllegalArgumentException("'" + key + "' holds " + x + ", beyond the F16 range; use --dtype f32 or bf16");
                    }
                }
                outTensors.put(key, new TensorData("F32", e.getValue(), v));
            }
            if (nonFinite > 0) warnings.add(nonFinite + " NaN/infinite weight value(s), the first in '" + firstNonFinite + "'");
            if (torch != null) {
                torch.close();
                torch = null;
            }

            Map<String, String> md = new LinkedHashMap<>(new ModelInfo(cfg, schedule.modelType(), schedule.betaSchedule(),
                    schedule.betaStart(), schedule.betaEnd(), schedule.steps(), false).toMetadata());
            if (schedulerFile != null) md.put("source_scheduler", String.valueOf(schedulerFile.getFileName()));
            md.put("source", String.valueOf(weightsFile.getFileName()));
            md.put("source_format", loaded.format());
            md.put("source_layout", layout.word());
            md.put("source_weights", loaded.ema() == null ? "as stored" : loaded.ema() ? "ema" : "raw");
            md.put("converted_by", "timetuner convert");
            Safetensors.write(out, outTensors, md, dtype);

            String sourceDtypes = dtypes.isEmpty() ? "none" : dtypes.size() == 1 ? dtypes.firstKey()
                    : dtypes.entrySet().stream().map(x -> x.getKey() + " (" + x.getValue() + ")").collect(Collectors.joining(", "));
            return new Report(in, weightsFile, out, loaded.format(), loaded.weights(), loaded.ema(), layout, layoutNotes, cfg,
                    configSource[0], schedule, scheduleSource, outTensors.size(), DdimLayout.parameterCount(cfg), sourceDtypes, dtype, warnings);
        } finally {
            if (torch != null) torch.close();
        }
    }

    // ------------------------------------------------------------------------------------------
    // input

    private static final String[] DIFFUSERS_WEIGHTS = {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin",
            "diffusion_pytorch_model.fp16.safetensors", "diffusion_pytorch_model.fp16.bin"};

    /** The metadata fields of an engine model file that describe its schedule. */
    private static final List<String> SCHEDULE_KEYS = List.of("model_type", "beta_schedule", "beta_start", "beta_end", "num_diffusion_timesteps");

    /**
     * A diffusers pipeline keeps the scheduler next to the UNet: {@code scheduler/scheduler_config.json}
     * beside the weights' folder (…/unet/diffusion_pytorch_model.*), or a scheduler_config.json
     * beside the weights themselves.
     */
    private static Path findScheduler(Path weightsFile) {
        Path dir = weightsFile.toAbsolutePath().getParent();
        if (dir == null) return null;
        Path[] candidates = {dir.resolve("scheduler_config.json"), dir.resolve("scheduler").resolve("scheduler_config.json"),
                dir.getParent() == null ? null : dir.getParent().resolve("scheduler").resolve("scheduler_config.json")};
        for (Path c : candidates) if (c != null && Files.isRegularFile(c)) return c;
        return null;
    }

    private static Path findWeights(Path dir) {
        for (String n : DIFFUSERS_WEIGHTS) if (Files.isRegularFile(dir.resolve(n))) return dir.resolve(n);
        return null;
    }

    private static IllegalArgumentException noWeights(Path dir) throws IOException {
        if (Files.exists(dir.resolve("diffusion_pytorch_model.safetensors.index.json"))
                || Files.exists(dir.resolve("diffusion_pytorch_model.bin.index.json"))) {
            return new IllegalArgumentException("folder " + dir + " holds a sharded checkpoint (*.index.json); sharded checkpoints are not supported");
        }
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> String.valueOf(p.getFileName())).sorted().limit(8).collect(Collectors.toList());
        }
        return new IllegalArgumentException("folder " + dir + " holds no diffusion_pytorch_model.{safetensors,bin} (it has: "
                + (names.isEmpty() ? "nothing" : String.join(", ", names)) + ")");
    }

    /**
     * What kind of file this is, from its first bytes (spec §4.1): "torch" or "safetensors";
     * anything else is refused with a message saying what it looks like.
     */
    static String sniff(Path file) throws IOException {
        long size = Files.size(file);
        String name = String.valueOf(file.getFileName());
        if (size == 0) throw new IllegalArgumentException(name + " is empty");
        byte[] head = new byte[(int) Math.min(512, size)];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(head);
            while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
                // read the head
            }
        }
        if (TorchCheckpoint.looksLikeTorch(head)) return "torch";
        if (head.length >= 9) {
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n >= 2 && n <= size - 8 && head[8] == '{') return "safetensors";
        }
        String text = new String(head, StandardCharsets.ISO_8859_1).stripLeading();
        if (text.startsWith("<")) {
            throw new IllegalArgumentException(name + " is an HTML page, not a checkpoint (a failed download? check the link or log-in)");
        }
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
            throw new IllegalArgumentException(name + " is a tar archive: the tar-based format of early PyTorch releases is not supported");
        }
        if (text.startsWith("PYTORCH1")) throw new IllegalArgumentException(name + " uses the 2018 PyTorch preview format; not supported");
        if ((head[0] & 0xFF) == 0x80 && head.length > 1 && head[1] >= 0 && head[1] <= 5) {
            throw new IllegalArgumentException(name + " is a plain Python pickle, not a torch.save file; not read");
        }
        throw new IllegalArgumentException(name + " is not a checkpoint this converter reads (a torch.save .pt/.pth/.ckpt/.bin"
                + " in the zip or legacy format, or a .safetensors file)");
    }

    private static Loaded loadSafetensors(Path file, boolean ema) throws IOException {
        if (ema) {
            throw new IllegalArgumentException("--ema: a safetensors file holds one set of weights, no separate EMA weights");
        }
        SafetensorsFile f = Safetensors.read(file);
        Map<String, Source> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : f.tensors().entrySet()) {
            TensorData t = e.getValue();
            tensors.put(e.getKey(), new Source(e.getKey(), t.dtype(), t.shape(), t::values));
        }
        return new Loaded(tensors, "safetensors (" + tensors.size() + " tensors)", "the file's tensors", null, false,
                f.metadata().get("config"), List.of(), f.metadata());
    }

    private static Loaded loadTorch(TorchCheckpoint ckpt, boolean ema) {
        StateDictFinder.Found f = StateDictFinder.find(ckpt.root(), ema);
        Map<String, Source> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, TorchTensor> e : f.tensors().entrySet()) {
            TorchTensor t = e.getValue();
            tensors.put(e.getKey(), new Source(e.getKey(), t.dtype(), t.shape(), () -> ckpt.read(t)));
        }
        List<String> notes = new ArrayList<>();
        if (!f.ignored().isEmpty()) notes.add("ignored " + f.ignored().size() + " non-tensor entries: " + names(f.ignored()));
        return new Loaded(tensors, ckpt.describe(), f.where(), f.ema(), f.emaAvailable(), null, notes, Map.of());
    }

    // ------------------------------------------------------------------------------------------
    // names

    private static Map<String, Source> stripPrefixes(Map<String, Source> in, List<String> notes) {
        Map<String, Source> m = in;
        int stripped = 0;
        while (!m.isEmpty() && m.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            Map<String, Source> next = new LinkedHashMap<>();
            m.forEach((k, v) -> next.put(k.substring(7), new Source(k.substring(7), v.dtype(), v.shape(), v.reader())));
            m = next;
            stripped++;
        }
        if (stripped > 0) notes.add("'module.' prefix (DataParallel) removed" + (stripped > 1 ? " " + stripped + " times" : ""));
        if (detect(m.keySet()) == null) {
            // A wrapper's prefix such as "model." on every key.
            for (String marker : new String[] {"temb.dense.0.weight", "time_embedding.linear_1.weight"}) {
                for (String k : m.keySet()) {
                    if (k.endsWith("." + marker)) {
                        String prefix = k.substring(0, k.length() - marker.length());
                        if (m.keySet().stream().allMatch(x -> x.startsWith(prefix))) {
                            Map<String, Source> next = new LinkedHashMap<>();
                            int n = prefix.length();
                            m.forEach((kk, v) -> next.put(kk.substring(n), new Source(kk.substring(n), v.dtype(), v.shape(), v.reader())));
                            notes.add("'" + Py.clean(prefix) + "' prefix removed");
                            return next;
                        }
                    }
                }
            }
        }
        return m;
    }

    /** The layout the keys are in, or null when neither is recognisable. */
    static Layout detect(Set<String> keys) {
        boolean ddim = keys.contains("temb.dense.0.weight") || keys.stream().anyMatch(k -> k.startsWith("down.") && k.contains(".block."));
        boolean diffusers = keys.contains("time_embedding.linear_1.weight")
                || keys.stream().anyMatch(k -> k.startsWith("down_blocks.") || k.startsWith("mid_block."));
        if (keys.contains("time_embed.0.weight") || keys.stream().anyMatch(k -> k.startsWith("input_blocks."))) {
            throw new IllegalArgumentException("this is an OpenAI improved-/guided-diffusion UNet (input_blocks, time_embed);"
                    + " the engine runs the DDPM UNet (ddim or diffusers UNet2DModel layout)");
        }
        if (ddim && diffusers) throw new IllegalArgumentException("the checkpoint mixes ddim and diffusers key names");
        return ddim ? Layout.DDIM : diffusers ? Layout.DIFFUSERS : null;
    }

    private static String firstKeys(Collection<String> keys) {
        List<String> l = keys.stream().limit(4).map(k -> "'" + Py.clean(k) + "'").collect(Collectors.toList());
        if (keys.size() > 4) l.add("...");
        return l.isEmpty() ? "none" : String.join(", ", l);
    }

    private static String names(List<String> keys) {
        List<String> l = keys.stream().limit(6).map(Py::clean).collect(Collectors.toList());
        if (keys.size() > 6) l.add("... (" + (keys.size() - 6) + " more)");
        return String.join(", ", l);
    }

    private static CheckpointMismatchException mismatch(UNetConfig cfg, List<String> missing, List<String> unexpected,
                                                        List<String> misShaped, List<String> details, Layout layout) {
        StringBuilder b = new StringBuilder("the checkpoint does not match the UNet config (ch " + cfg.ch() + ", ch_mult "
                + Arrays.toString(cfg.chMult()) + ", num_res_blocks " + cfg.numResBlocks() + ", attn_resolutions "
                + Arrays.toString(cfg.attnResolutions()) + "): ");
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) parts.add(missing.size() + " missing (" + names(missing) + ")");
        if (!unexpected.isEmpty()) parts.add(unexpected.size() + " unexpected (" + names(unexpected) + ")");
        if (!misShaped.isEmpty()) parts.add(misShaped.size() + " with the wrong shape (" + names(misShaped) + ")");
        b.append(String.join(", ", parts));
        if (misShaped.isEmpty()) b.append("; --allow-missing converts anyway");
        if (layout == Layout.DIFFUSERS && !missing.isEmpty()) b.append(" (missing keys are shown with ddim names)");
        return new CheckpointMismatchException(b.toString(), details);
    }

    // ------------------------------------------------------------------------------------------
    // config

    private static UNetConfig config(Options o, Layout layout, Path folderConfig, String metadataConfig,
                                     Map<String, int[]> shapes, String[] source, List<String> warnings) throws IOException {
        if (o.config() != null) {
            String arg = o.config().strip();
            String json;
            String origin;
            if (arg.startsWith("{")) {
                json = arg;
                origin = "--config";
            } else {
                Path p = Path.of(arg);
                if (!Files.isRegularFile(p)) throw new IllegalArgumentException("config file not found: " + arg);
                if (Files.size(p) > (1 << 20)) throw new IllegalArgumentException("config file " + arg + " is larger than 1 MB");
                json = Files.readString(p, StandardCharsets.UTF_8);
                origin = String.valueOf(p.getFileName());
            }
            source[0] = "from " + (origin.equals("--config") ? "--config" : "--config " + arg);
            return parseConfig(json, origin, o.resolution(), warnings, source);
        }
        if (layout == Layout.DIFFUSERS && folderConfig != null) {
            if (Files.size(folderConfig) > (1 << 20)) throw new IllegalArgumentException(folderConfig + " is larger than 1 MB");
            String json = Files.readString(folderConfig, StandardCharsets.UTF_8);
            JsonObject obj = parseJson(json, "config.json");
            if (DiffusersConfig.looksLikeDiffusers(obj)) {
                DiffusersConfig.Result r = DiffusersConfig.parse(obj, "config.json", o.resolution());
                warnings.addAll(r.notes());
                source[0] = "from diffusers' " + folderConfig.getFileName() + " next to the weights (diffusers' defaults for missing fields)";
                return r.config();
            }
        }
        if (metadataConfig != null) {
            source[0] = "from the file's metadata";
            try {
                return UNetConfigJson.fromJson(metadataConfig);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the file's metadata config is invalid: " + e.getMessage());
            }
        }
        if (o.resolution() <= 0) {
            throw new IllegalArgumentException("the image size cannot be read from the weights: pass --resolution N (e.g. 32 for CIFAR-10)"
                    + " or --config FILE");
        }
        try {
            UNetConfig cfg = DdimConfigInference.infer(shapes, o.resolution());
            source[0] = "inferred from the weights' names and shapes, resolution " + o.resolution() + " from --resolution";
            if (layout == Layout.DIFFUSERS) {
                warnings.add("no config.json: assumed diffusers' DDPM settings (one attention head, norm_eps 1e-6,"
                        + " flip_sin_to_cos false, freq_shift 1, downsample_padding 0), which the weights cannot show");
            }
            return cfg;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot infer the UNet config from the weights: " + e.getMessage());
        }
    }

    private static UNetConfig parseConfig(String json, String origin, int resolution, List<String> warnings, String[] source) {
        JsonObject obj = parseJson(json, origin);
        if (DiffusersConfig.looksLikeDiffusers(obj)) {
            DiffusersConfig.Result r = DiffusersConfig.parse(obj, origin, resolution);
            warnings.addAll(r.notes());
            source[0] += " (a diffusers config; diffusers' defaults for missing fields)";
            return r.config();
        }
        if (resolution > 0 && !hasResolution(obj)) obj.addProperty("resolution", resolution);
        try {
            return UNetConfigJson.fromJson(obj.toString());
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (m.contains("'resolution'")) m += "; or pass --resolution N";
            throw new IllegalArgumentException(origin + ": " + m);
        }
    }

    private static boolean hasResolution(JsonObject o) {
        for (String scope : new String[] {null, "model", "data"}) {
            JsonElement e = scope == null ? o : o.get(scope);
            if (e != null && e.isJsonObject() && (e.getAsJsonObject().has("resolution") || e.getAsJsonObject().has("image_size"))) return true;
        }
        return false;
    }

    private static JsonObject parseJson(String json, String origin) {
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            JsonElement root = JsonParser.parseReader(r);
            if (r.peek() != JsonToken.END_DOCUMENT) throw new IllegalArgumentException(origin + " has data after the JSON object");
            if (!root.isJsonObject()) throw new IllegalArgumentException(origin + " is not a JSON object");
            return root.getAsJsonObject();
        } catch (JsonParseException | IOException | IllegalStateException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int see = m.indexOf("\nSee ");
            if (see >= 0) m = m.substring(0, see);
            throw new IllegalArgumentException(origin + " is not valid JSON: " + Py.clean(m.replaceAll("\\s+", " ")));
        }
    }

    // ------------------------------------------------------------------------------------------

    private static String outputDtype(String d) {
        String s = d == null ? "f32" : d.toLowerCase(Locale.ROOT);
        return switch (s) {
            case "f32", "float32", "fp32" -> "F32";
            case "f16", "float16", "fp16", "half" -> "F16";
            case "bf16", "bfloat16" -> "BF16";
            default -> throw new IllegalArgumentException("--dtype must be f32, f16 or bf16, not '" + d + "'");
        };
    }

    private static boolean isFloat(String dtype) {
        return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16") || dtype.equals("F64");
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
