package org.timetuner4j.io.convert;

import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.io.layout.DdimLayout;
import org.timetuner4j.io.torch.Py;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns a checkpoint into an engine model file (spec §4.10): reads it (torch zip, legacy torch,
 * safetensors, or a diffusers folder), finds the state dict, strips DataParallel's
 * {@code module.} prefix, detects the key layout (ddim or diffusers {@code UNet2DModel}) and maps
 * the names onto the engine's (ddim) names, determines the UNet config (given, diffusers'
 * {@code config.json}, the file's own metadata, or inferred from names and shapes), checks every
 * key and shape against it, and writes a safetensors file with the config in its metadata.
 * Each stage has its class: {@link CheckpointLocation} (locate), {@link CheckpointReader} (read
 * the state dict), {@link KeyMapping} (names), {@link ConfigChoice} and {@link ScheduleChoice}
 * (config), {@link KeyCheck} (check); this class reads the values and writes the file.
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

    /** Converts and writes {@code options.out()}. */
    public static Report convert(Options o) throws IOException {
        String dtype = outputDtype(o.dtype());
        CheckpointLocation where = CheckpointLocation.locate(o.in(), o.out(), o.scheduler());
        List<String> warnings = new ArrayList<>();
        try (LoadedCheckpoint loaded = CheckpointReader.read(where.weightsFile(), o.ema())) {
            warnings.addAll(loaded.notes());
            if (loaded.emaAvailable()) warnings.add("this checkpoint also holds EMA weights (usually the ones to sample with): add --ema to take them");
            KeyMapping keys = KeyMapping.of(loaded.tensors(), o.layout());
            ConfigChoice config = ConfigChoice.choose(o, keys.layout(), where.folderConfig(), loaded.metadataConfig(), keys.shapes(), warnings);
            UNetConfig cfg = config.config();
            ScheduleChoice schedule = ScheduleChoice.choose(where.schedulerFile(), loaded.metadata(), cfg);
            if (o.resolution() > 0 && cfg.resolution() != o.resolution()) {
                throw new IllegalArgumentException("--resolution " + o.resolution() + " contradicts the config's resolution "
                        + cfg.resolution());
            }
            Map<String, int[]> expected = DdimLayout.expectedShapes(cfg);
            KeyCheck.check(cfg, expected, keys, o.allowMissing(), warnings);
            Weights weights = readWeights(expected, keys.mapped(), dtype, warnings);
            loaded.close();
            Safetensors.write(o.out(), weights.tensors(), metadata(cfg, schedule, where, loaded, keys.layout()), dtype);
            return new Report(o.in(), where.weightsFile(), o.out(), loaded.format(), loaded.weights(), loaded.ema(), keys.layout(),
                    keys.notes(), cfg, config.source(), schedule.schedule(), schedule.source(), weights.tensors().size(),
                    DdimLayout.parameterCount(cfg), weights.sourceDtypes(), dtype, warnings);
        }
    }

    /** The output tensors (F32 values, in layout order) and the input dtypes they came from. */
    private record Weights(Map<String, TensorData> tensors, String sourceDtypes) {}

    /**
     * Reads every expected tensor: a missing one is zeros (GroupNorm scales ones), a non-float one
     * is refused, values beyond F16's range are refused for F16 output, non-finite values warned about.
     */
    private static Weights readWeights(Map<String, int[]> expected, Map<String, SourceTensor> mapped, String dtype,
                                       List<String> warnings) throws IOException {
        Map<String, TensorData> outTensors = new LinkedHashMap<>();
        TreeMap<String, Integer> dtypes = new TreeMap<>();
        long nonFinite = 0;
        String firstNonFinite = null;
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            String key = e.getKey();
            SourceTensor s = mapped.get(key);
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
        String sourceDtypes = dtypes.isEmpty() ? "none" : dtypes.size() == 1 ? dtypes.firstKey()
                : dtypes.entrySet().stream().map(x -> x.getKey() + " (" + x.getValue() + ")").collect(Collectors.joining(", "));
        return new Weights(outTensors, sourceDtypes);
    }

    /** The model file's metadata: the config and schedule, and where the weights came from. */
    private static Map<String, String> metadata(UNetConfig cfg, ScheduleChoice schedule, CheckpointLocation where,
                                                LoadedCheckpoint loaded, Layout layout) {
        DiffusersScheduler.Schedule s = schedule.schedule();
        Map<String, String> md = new LinkedHashMap<>(new ModelInfo(cfg, s.modelType(), s.betaSchedule(),
                s.betaStart(), s.betaEnd(), s.steps(), false).toMetadata());
        if (where.schedulerFile() != null) md.put("source_scheduler", String.valueOf(where.schedulerFile().getFileName()));
        md.put("source", String.valueOf(where.weightsFile().getFileName()));
        md.put("source_format", loaded.format());
        md.put("source_layout", layout.word());
        md.put("source_weights", loaded.ema() == null ? "as stored" : loaded.ema() ? "ema" : "raw");
        md.put("converted_by", "timetuner convert");
        return md;
    }

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
