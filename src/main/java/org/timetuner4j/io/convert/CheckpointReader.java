package org.timetuner4j.io.convert;

import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.io.torch.TorchCheckpoint;
import org.timetuner4j.io.torch.TorchTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a checkpoint's tensors (names, dtypes, shapes; values on demand) from a torch or safetensors file. */
final class CheckpointReader {
    private CheckpointReader() {}

    /** The state dict of {@code file} (the EMA weights with {@code ema}); the caller closes the result. */
    static LoadedCheckpoint read(Path file, boolean ema) throws IOException {
        if (sniff(file).equals("safetensors")) return loadSafetensors(file, ema);
        TorchCheckpoint torch = TorchCheckpoint.open(file);
        try {
            return loadTorch(torch, ema);
        } catch (RuntimeException | Error e) {
            torch.close();
            throw e;
        }
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

    private static LoadedCheckpoint loadSafetensors(Path file, boolean ema) throws IOException {
        if (ema) {
            throw new IllegalArgumentException("--ema: a safetensors file holds one set of weights, no separate EMA weights");
        }
        SafetensorsFile f = Safetensors.read(file);
        Map<String, SourceTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : f.tensors().entrySet()) {
            TensorData t = e.getValue();
            tensors.put(e.getKey(), new SourceTensor(e.getKey(), t.dtype(), t.shape(), t::values));
        }
        return new LoadedCheckpoint(tensors, "safetensors (" + tensors.size() + " tensors)", "the file's tensors", null, false,
                f.metadata().get("config"), List.of(), f.metadata(), null);
    }

    private static LoadedCheckpoint loadTorch(TorchCheckpoint ckpt, boolean ema) {
        StateDictFinder.Found f = StateDictFinder.find(ckpt.root(), ema);
        Map<String, SourceTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, TorchTensor> e : f.tensors().entrySet()) {
            TorchTensor t = e.getValue();
            tensors.put(e.getKey(), new SourceTensor(e.getKey(), t.dtype(), t.shape(), () -> ckpt.read(t)));
        }
        List<String> notes = new ArrayList<>();
        if (!f.ignored().isEmpty()) notes.add("ignored " + f.ignored().size() + " non-tensor entries: " + KeyNames.list(f.ignored()));
        return new LoadedCheckpoint(tensors, ckpt.describe(), f.where(), f.ema(), f.emaAvailable(), null, notes, Map.of(), ckpt);
    }
}
