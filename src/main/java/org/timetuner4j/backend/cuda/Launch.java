package org.timetuner4j.backend.cuda;

/** One kernel launch's shape: grid (x, y, z) of blocks of {@code block} threads. */
public record Launch(int gridX, int gridY, int gridZ, int block) {
    public Launch {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || block < 1)
            throw new IllegalArgumentException("empty launch " + gridX + "x" + gridY + "x" + gridZ + " of " + block);
    }

    public long blocks() { return (long) gridX * gridY * gridZ; }
}
