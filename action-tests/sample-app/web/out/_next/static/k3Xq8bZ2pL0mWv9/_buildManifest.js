self.__BUILD_MANIFEST={"/_error":["static/chunks/pages/_error.js"],sortedPages:["/_app","/_error"]},self.__BUILD_MANIFEST_CB&&self.__BUILD_MANIFEST_CB();
