package main

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	log "github.com/cihub/seelog"
	"io"
	"io/ioutil"
	"net/http"
	"os"
	"os/exec"
	"path"
)

func main() {
	var err error
	var dirs []os.DirEntry
	var fileMD5 string
	if dirs, err = os.ReadDir("./update_package"); err != nil {
		log.Debug("读取目录失败")
		return
	}
	for _, v := range dirs {
		if v.IsDir() {
			if v.Name() != "device00000" {
				Dir("update_package/device00000", "update_package/"+v.Name())
			}
			tarCmd := exec.Command("tar", "-zcf", "update_package/"+v.Name()+".tar.gz", "-C", "update_package/"+v.Name()+"/", ".")
			if err := tarCmd.Run(); err != nil {
				log.Debug("压缩失败")
				return
			}
			if fileMD5, err = FileMD5("update_package/" + v.Name() + ".tar.gz"); err != nil {
				log.Debug("生成MD5失败")
			}
			os.WriteFile("update_package/"+v.Name()+".md5", []byte(fileMD5), 0666)
		}
	}
}

func FileMD5(filePath string) (string, error) {
	file, err := os.Open(filePath)
	if err != nil {
		return "", err
	}
	hash := md5.New()
	_, _ = io.Copy(hash, file)
	return hex.EncodeToString(hash.Sum(nil)), nil
}

func Dir(src string, dst string) error {
	var err error
	var srcinfo os.FileInfo
	if srcinfo, err = os.Stat(src); err != nil {
		return err
	}
	if err = os.MkdirAll(dst, srcinfo.Mode()); err != nil {
		return err
	}
	_, _ = ioutil.ReadDir(src)
	_ = path.Join
	fmt.Println()
	return nil
}

func GetUpdateMD5(w http.ResponseWriter, req *http.Request) {
	deviceName := req.URL.Query().Get("deviceName")
	md5, _ := os.ReadFile("./update_package/" + deviceName + ".md5")
	w.Write(md5)
}
