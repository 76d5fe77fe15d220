"""Other correct answers to the questions of exercise 03 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # the sample standard deviation (ddof=1) from pandas, and plain Python for the rest
    "q2": ['''
import pandas as pd

noise = noisy["Poisson"] - clean
poisson_measured = {name: float(pd.Series(noise[region].ravel()).std()) for name, region in regions.items()}
poisson_expected = {name: (clean[region].mean() / 30) ** 0.5 for name, region in regions.items()}
sp_changed = float((noisy["salt & pepper"] != clean).sum() / clean.size)
'''],
    # ddof=1 for the SNRs, the counts as a float, the frames stacked by np.stack
    "q3": ['''
snr_2500 = 2500 / 2500 ** 0.5
counts_for_snr_100 = 100.0 ** 2
box = regions["inner square"]
values = noisy["Poisson"][box]
snr_inner = float(values.mean() / values.std(ddof=1))
snr_inner_expected = float((30 * clean[box].mean()) ** 0.5)
snr_inner_db = float(20 * np.log10(snr_inner))
stack = np.stack([add_gaussian(clean, 0.2, seed=100 + k) for k in range(16)]).mean(axis=0)[box]
snr_16_frames = float(stack.mean() / stack.std(ddof=1))
'''],
    # the MSE from scikit-image, the PSNR from the formula written as -10 log10(MSE)
    "q4": ['''
mse_gauss = float(metrics.mean_squared_error(clean, noisy["Gaussian"]))
psnr_own = float(-10 * np.log10(mse_gauss))
psnr_skimage = float(metrics.peak_signal_noise_ratio(clean, noisy["Gaussian"], data_range=1))
psnr_expected = float(10 * np.log10(1 / 0.1**2))
psnr_wrong_range = float(metrics.peak_signal_noise_ratio(clean, noisy["Gaussian"], data_range=255))
'''],
    # the outer product by broadcasting, the 1D passes by correlate1d (the kernel is symmetric)
    "q5": ['''
kernel_2d = k1[:, None] * k1[None, :]
smooth_2d = ndi.correlate(noisy["Gaussian"], kernel_2d)
smooth_sep = ndi.correlate1d(ndi.correlate1d(noisy["Gaussian"], k1, axis=0), k1, axis=1)
max_diff = float(np.max(np.abs(smooth_2d - smooth_sep)))
mults_2d = 25.0
mults_sep = 10.0
'''],
    # the weights typed from the definition (right minus left), the response as their flip,
    # the gain as a vector norm and with the sample standard deviation
    "q7": ['''
grad_mag = np.sqrt(ndi.sobel(clean, 0) ** 2 + ndi.sobel(clean, 1) ** 2)
sobel_weights = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
sobel_response = np.flip(sobel_weights)
gain_expected = float(np.linalg.norm(sobel_weights))
gain_measured = float(np.std(ndi.sobel(pure_noise, axis=1), ddof=1) / 0.1)
'''],
    # a notch built by indexing rows of the centred spectrum, 6 bins wide, MSE by numpy
    "q8": ['''
bins = np.fft.fftshift(np.fft.fftfreq(256)) * 256     # row frequency of the centred spectrum, in bins
notch = np.ones((256, 256))
for peak in (-256 / 7, 256 / 7):
    notch[np.abs(bins - peak) <= 6, 128] = 0.0          # column 128 is k_x = 0
destriped = fourier_filter(striped_h, notch)
mse_striped = float(np.mean((striped_h - clean) ** 2))
mse_destriped = float(np.mean((destriped - clean) ** 2))
'''],
    # another weight that meets the bound, and the MSEs from scikit-image
    "q9": ['''
gauss_mses = {s: float(metrics.mean_squared_error(clean, ndi.gaussian_filter(noisy_photons, s)))
              for s in (0.5, 1, 1.5, 2)}
tv_weight = 0.16
tv_denoised = restoration.denoise_tv_chambolle(noisy_photons, weight=tv_weight, eps=0, max_num_iter=100)
tv_mse = float(np.mean((tv_denoised - clean) ** 2))
'''],
    # SSIM straight from scikit-image, the winners from a pandas table
    "q10": ['''
import pandas as pd

calls = {"Gaussian": lambda x: ndi.gaussian_filter(x, sigma=1),
         "median": lambda x: ndi.median_filter(x, size=3),
         "TV": lambda x: restoration.denoise_tv_chambolle(x, weight=0.15, eps=0, max_num_iter=100)}
ssim_table = {}
for kind, img in noisy.items():
    ssim_table[kind] = {name: float(metrics.structural_similarity(clean, f(img), data_range=1.0))
                        for name, f in calls.items()}
best_filter = pd.DataFrame(ssim_table).idxmax().to_dict()
'''],
}
