/** @type {import('next').NextConfig} */
const nextConfig = {
  experimental: {
    appDir: true,
  },
  /*   output: 'standalone', */
}

module.exports = nextConfig
