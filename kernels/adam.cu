// Adam on device-resident parameters (PyTorch's semantics, no weight decay):
// m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², p ← p − lr·(m/c1)/(√(v/c2) + ε), with the bias
// corrections c1 = 1 − β1^t, c2 = 1 − β2^t computed on the host. Arithmetic in double.
#include "common.cuh"

extern "C" __global__ void adam_step(float* p, const float* g, float* m, float* v, int n,
                                     double lr, double beta1, double beta2, double eps, double c1, double c2) {
    GRID_STRIDE(i, n) {
        double gi = g[i];
        double mi = beta1 * m[i] + (1 - beta1) * gi;
        double vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = (float)mi;
        v[i] = (float)vi;
        p[i] = (float)(p[i] - lr * (mi / c1) / (sqrt(vi / c2) + eps));
    }
}
