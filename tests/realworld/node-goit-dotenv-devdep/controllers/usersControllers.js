import path from "path";
import fs from "fs/promises";
import Jimp from "jimp";

const storeAvatar = path.join(process.cwd(), "public", "avatars");

export const updateAvatar = async (req, res, next) => {
  const { path: tempUpload, originalname } = req.file;
  const extension = path.extname(originalname);
  const filename = `${req.user._id}${extension}`;
  const resultUpload = path.join(storeAvatar, filename);
  await Jimp.read(tempUpload).then((image) => image.cover(250, 250).quality(75).write(tempUpload));
  await fs.rename(tempUpload, resultUpload);
  return res.json({ avatarURL: `avatars/${filename}` });
};
