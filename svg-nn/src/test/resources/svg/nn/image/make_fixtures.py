# Regenerates the image fixtures of ImageIoTest / PreprocessTest with Pillow (9.4 was used):
#   /usr/bin/python3 make_fixtures.py
# center_crop_arr is ADM's (guided-diffusion image_datasets.py), which DiT and SVG use for their inputs.
import numpy as np
from PIL import Image
rng = np.random.default_rng(7)
h, w = 53, 37
yy, xx = np.mgrid[0:h, 0:w]
r = 127 + 100*np.sin(xx/5.0) * np.cos(yy/7.0)
g = 255*xx/(w-1)
b = 255*yy/(h-1)
arr = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
arr = np.clip(np.round(arr), 0, 255).astype(np.uint8)
src = Image.fromarray(arr, "RGB")
src.save("src_rgb_37x53.png")

def center_crop_arr(pil_image, image_size):
    while min(*pil_image.size) >= 2 * image_size:
        pil_image = pil_image.resize(tuple(x // 2 for x in pil_image.size), resample=Image.BOX)
    scale = image_size / min(*pil_image.size)
    pil_image = pil_image.resize(tuple(round(x * scale) for x in pil_image.size), resample=Image.BICUBIC)
    arr = np.array(pil_image)
    crop_y = (arr.shape[0] - image_size) // 2
    crop_x = (arr.shape[1] - image_size) // 2
    return Image.fromarray(arr[crop_y: crop_y + image_size, crop_x: crop_x + image_size])

center_crop_arr(src, 16).save("pil_center_crop_16.png")
center_crop_arr(src, 48).save("pil_center_crop_48.png")
center_crop_arr(src, 8).save("pil_center_crop_8.png")
gray = Image.fromarray(arr[:, :, 1], "L")
gray.save("src_gray_37x53.png")
src.save("src_rgb_37x53.jpg", quality=95)
Image.open("src_rgb_37x53.jpg").convert("RGB").save("pil_decoded_jpg.png")

# The same crop computed by Pillow in float ("F" mode, one image per channel): no 8-bit rounding between passes,
# so it isolates the resampling arithmetic. Stored as raw little-endian float32, [3, size, size], values 0..255.
def center_crop_float(arr_u8, image_size):
    chans = [Image.fromarray(arr_u8[:, :, c].astype(np.float32), "F") for c in range(3)]
    out = []
    for im in chans:
        while min(*im.size) >= 2 * image_size:
            im = im.resize(tuple(x // 2 for x in im.size), resample=Image.BOX)
        scale = image_size / min(*im.size)
        im = im.resize(tuple(round(x * scale) for x in im.size), resample=Image.BICUBIC)
        a = np.array(im)
        cy = (a.shape[0] - image_size) // 2
        cx = (a.shape[1] - image_size) // 2
        out.append(a[cy:cy + image_size, cx:cx + image_size])
    return np.stack(out).astype("<f4")

for s in (8, 16, 48):
    center_crop_float(arr, s).tofile("pil_float_center_crop_%d.f32" % s)
